"""The client's address: the peer's, or what a trusted reverse proxy says in X-Forwarded-For.

X-Forwarded-For is whatever the client wrote, plus one address per proxy it passed. Only the entries
appended by proxies we trust mean anything: read it from the right, skip our own proxies, and the first
address that is not one of them is the client. From a peer that is not a trusted proxy the header is
ignored, so nobody can pick the address they are throttled or audited under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.5, 10.1.0.0/16, ::1` → networks; ValueError naming the bad entry."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:1234
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:1234
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_in(text: str, networks: Iterable[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in n for n in networks)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str:
    """The client's address. `forwarded_for`: every X-Forwarded-For header, in the order received."""
    peer = peer or ""
    if not trusted or not is_in(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a garbled chain says nothing reliable: the proxy's address is all we know
        if not any(address in n for n in trusted):
            return str(address)
    return str(_address(hops[0])) if hops else peer  # every hop is one of ours: the first is the client

"""Which channels are the outside world.

The tracker tells an inbound call from an outbound one by what its channels
are, never by "did this bridge send the Originate". A **trunk** channel is the
customer's leg; every other channel is an internal phone (an operator's desk
phone, a supervisor's phone, a Local helper leg). Trunks are configured:

* ``trunks``: endpoint interfaces of the provider trunks, ``PJSIP/trunk`` for
  ``PJSIP/trunk-0000000a`` channels;
* ``trunk_contexts``: dialplan contexts whose Local channels stand for the
  outside world (``Local/79001110002@customers-…;1`` in the Local-channel lab
  recordings: ``customers``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .calls import interface_of


@dataclass(frozen=True, slots=True, kw_only=True)
class Topology:
    trunks: frozenset[str] = frozenset({"PJSIP/trunk"})
    trunk_contexts: frozenset[str] = frozenset({"customers"})

    def is_trunk(self, channel: str) -> bool:
        """``channel`` is a channel name (``PJSIP/trunk-00000001``) or a dial
        string as an Originate names it (``PJSIP/5555@trunk``, ``Local/5@customers``)."""
        if channel.startswith("Local/"):
            _, _, context = interface_of(channel).partition("@")
            return context in self.trunk_contexts
        tech, _, rest = channel.partition("/")
        if "@" in rest:  # a dial string: PJSIP/number@endpoint
            return f"{tech}/{rest.rsplit('@', 1)[1]}" in self.trunks
        return interface_of(channel) in self.trunks

"""ChanSpy on an originated supervisor's phone (s11): the spyer's channel keeps
its own Linkedid; ``ChanSpyStart/Stop`` carry Spyer* and Spyee* blocks, and
only SpyeeLinkedid ties the spyer to the spied call."""

from __future__ import annotations

from .call import SimCall
from .channel import SimChannel
from .state import Pbx

POLL = 0.1  # how often a spyer without a spyee looks again (ChanSpy scans channels too)


def _spyee(pbx: Pbx, prefix: str, spyer: SimChannel) -> SimChannel | None:
    """A bridged channel of the interface (``PJSIP/agent1``) or the very channel (``PJSIP/agent1-0000000a``):
    ChanSpy's argument is a prefix of channel names, and a whole channel name is a prefix of itself."""
    for ch in pbx.channels.values():
        named = ch.name == prefix or ch.name.startswith(prefix + "-")
        if ch is not spyer and ch.state == 6 and named and ch.bridge_id:
            return ch
    return None


def _spy_event(pbx: Pbx, name: str, spyer: SimChannel, spyee: SimChannel) -> None:
    pbx.emit(name, "call,all", spyer.block("Spyer") + spyee.block("Spyee"))


async def chanspy(pbx: Pbx, call: SimCall, data: str) -> None:
    """ChanSpy(<prefix>,<options>) until the supervisor hangs up; options (q, w, B…)
    change what is heard, not the events."""
    spyer = call.caller
    prefix, _, options = (part.strip() for part in data.partition(","))
    leave_with_spyee = "E" in options  # E: ChanSpy ends when the spied channel hangs up
    phone = pbx.phones.get(spyer.device)
    if phone is not None:
        phone.busy = phone.in_call = True
    spyee: SimChannel | None = None
    try:
        while True:
            if spyee is not None and (spyee.hungup or not spyee.bridge_id):
                _spy_event(pbx, "ChanSpyStop", spyer, spyee)
                spyee = None
                if leave_with_spyee:
                    break
            if spyee is None and prefix:
                spyee = _spyee(pbx, prefix, spyer)
                if spyee is not None:
                    _spy_event(pbx, "ChanSpyStart", spyer, spyee)
            sig = await call.next_signal(POLL)
            if sig is not None and sig.kind in ("caller_hangup", "agent_hangup"):
                break
        pbx.chan_event("HangupRequest", "call,all", spyer)
        if spyee is not None:
            _spy_event(pbx, "ChanSpyStop", spyer, spyee)
        pbx.hangup(spyer, 0, "Unknown")  # the app ends on its own (gotcha 12)
        pbx.device_state(spyer.device, "NOT_INUSE")
    finally:
        if phone is not None:
            phone.busy = phone.in_call = False

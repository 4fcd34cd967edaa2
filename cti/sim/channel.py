"""Simulated channels and the AMI header blocks Asterisk builds from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # call.py imports this module
    from .call import SimCall

STATE_DESC = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy"}
UNKNOWN = "<unknown>"


@dataclass(slots=True, eq=False)
class SimChannel:
    name: str
    uniqueid: str
    linkedid: str
    device: str  # PJSIP/trunk, PJSIP/2001 — for DeviceStateChange
    context: str
    exten: str
    priority: int = 1
    state: int = 0
    cid_num: str = UNKNOWN
    cid_name: str = UNKNOWN
    cl_num: str = UNKNOWN
    cl_name: str = UNKNOWN
    app: str = ""
    appdata: str = ""
    created: float = 0.0
    bridge_id: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    hungup: bool = False
    call: SimCall | None = None  # the call whose flow owns this channel
    role: str = ""  # "caller" / "agent" / "outbound"
    pvt_callid: str = ""
    recording: bool = False  # a MixMonitor runs on it

    def block(self, prefix: str = "", **override: str) -> list[tuple[str, str]]:
        vals = {
            "Channel": self.name,
            "ChannelState": str(self.state),
            "ChannelStateDesc": STATE_DESC.get(self.state, "Unknown"),
            "CallerIDNum": self.cid_num,
            "CallerIDName": self.cid_name,
            "ConnectedLineNum": self.cl_num,
            "ConnectedLineName": self.cl_name,
            "Language": "en",
            "AccountCode": "",
            "Context": self.context,
            "Exten": self.exten,
            "Priority": str(self.priority),
            "Uniqueid": self.uniqueid,
            "Linkedid": self.linkedid,
        }
        vals.update(override)
        return [(prefix + k, v) for k, v in vals.items()]

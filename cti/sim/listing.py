"""List actions (``EventList: start`` … ``<X>Complete``) and CLI output."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .state import Pbx

if TYPE_CHECKING:
    from .server import AmiSession, Request


def _aid(req: Request) -> list[tuple[str, str]]:
    return [("ActionID", req.action_id)] if req.action_id is not None else []


def start(s: AmiSession, req: Request, message: str) -> None:
    s.respond(req, "Success", ("EventList", "start"), message=message)


def complete(s: AmiSession, req: Request, name: str, count: int, *extra: tuple[str, str]) -> None:
    s.event(name, [*_aid(req), ("EventList", "Complete"), ("ListItems", str(count)), *list(extra)])


def _duration(seconds: float) -> str:
    sec = int(seconds)
    return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def core_show_channels(s: AmiSession, req: Request) -> None:
    start(s, req, "Channels will follow")
    chans = list(s.pbx.channels.values())
    now = time.monotonic()
    for ch in chans:
        s.event(
            "CoreShowChannel",
            _aid(req)
            + ch.block()
            + [
                ("Application", ch.app),
                ("ApplicationData", ch.appdata),
                ("Duration", _duration(now - ch.created)),
                ("BridgeId", ch.bridge_id),
            ],
        )
    complete(s, req, "CoreShowChannelsComplete", len(chans))


def status(s: AmiSession, req: Request) -> None:
    start(s, req, "Channel status will follow")
    wanted = req.get("channel")
    chans = [c for c in s.pbx.channels.values() if not wanted or c.name == wanted]
    now = time.monotonic()
    for ch in chans:
        s.event(
            "Status",
            [
                *ch.block(),
                ("Type", "PJSIP"),
                ("DNID", ""),
                ("EffectiveConnectedLineNum", ch.cl_num),
                ("EffectiveConnectedLineName", ch.cl_name),
                ("TimeToHangup", "0"),
                ("BridgeID", ch.bridge_id),
                ("Application", ch.app),
                ("Data", ch.appdata),
                ("Nativeformats", "(ulaw)"),
                ("Readformat", "ulaw"),
                ("Readtrans", ""),
                ("Writeformat", "ulaw"),
                ("Writetrans", ""),
                ("Callgroup", "0"),
                ("Pickupgroup", "0"),
                ("Seconds", str(int(now - ch.created))),
                *_aid(req),
            ],
            "call",
        )
    complete(s, req, "StatusComplete", len(chans), ("Items", str(len(chans))))


def queue_status(s: AmiSession, req: Request) -> None:
    start(s, req, "Queue status will follow")
    pbx = s.pbx
    wanted = req.get("queue")
    count = 0
    now = time.monotonic()
    for q in pbx.queues.values():
        if wanted and q.name != wanted:
            continue
        s.event(
            "QueueParams",
            [
                ("Queue", q.name),
                ("Max", "0"),
                ("Strategy", q.config.strategy),
                ("Calls", str(len(q.waiting))),
                ("Holdtime", str(q.holdtime)),
                ("TalkTime", str(q.talktime)),
                ("Completed", str(q.completed)),
                ("Abandoned", str(q.abandoned)),
                ("ServiceLevel", "0"),
                ("ServicelevelPerf", "0.0"),
                ("ServicelevelPerf2", "0.0"),
                ("Weight", "0"),
                *_aid(req),
            ],
        )
        count += 1
        for m in q.members.values():
            block = dict(pbx.member_block(m))
            s.event(
                "QueueMember",
                [
                    ("Queue", q.name),
                    ("Name", m.name),
                    ("Location", m.interface),
                    ("StateInterface", m.interface),
                    ("Membership", block["Membership"]),
                    ("Penalty", block["Penalty"]),
                    ("CallsTaken", block["CallsTaken"]),
                    ("LastCall", block["LastCall"]),
                    ("LastPause", block["LastPause"]),
                    ("LoginTime", block["LoginTime"]),
                    ("InCall", block["InCall"]),
                    ("Status", block["Status"]),
                    ("Paused", block["Paused"]),
                    ("PausedReason", block["PausedReason"]),
                    ("Wrapuptime", "0"),
                    *_aid(req),
                ],
            )
            count += 1
        for pos, call in enumerate(q.waiting, start=1):
            ch = call.caller
            s.event(
                "QueueEntry",
                [
                    ("Queue", q.name),
                    ("Position", str(pos)),
                    ("Channel", ch.name),
                    ("Uniqueid", ch.uniqueid),
                    ("CallerIDNum", ch.cid_num),
                    ("CallerIDName", ch.cid_name),
                    ("ConnectedLineNum", ch.cl_num),
                    ("ConnectedLineName", ch.cl_name),
                    ("Wait", str(int(now - call.joined))),
                    ("Priority", str(call.priority)),
                ]
                + _aid(req),
            )
            count += 1
    complete(s, req, "QueueStatusComplete", count)


def queue_summary(s: AmiSession, req: Request) -> None:
    start(s, req, "Queue summary will follow")
    pbx = s.pbx
    wanted = req.get("queue")
    count = 0
    now = time.monotonic()
    for q in pbx.queues.values():
        if wanted and q.name != wanted:
            continue
        # app_queue: LoggedIn leaves out unavailable phones; Available = not in use (or unknown) and not paused
        states = [(m, pbx.member_status(m)) for m in q.members.values()]
        logged = sum(1 for _, st in states if st not in (4, 5))
        avail = sum(1 for m, st in states if st in (0, 1) and not m.paused)
        longest = max((int(now - c.joined) for c in q.waiting), default=0)
        s.event(
            "QueueSummary",
            [
                ("Queue", q.name),
                ("LoggedIn", str(logged)),
                ("Available", str(avail)),
                ("Callers", str(len(q.waiting))),
                ("HoldTime", str(q.holdtime)),
                ("TalkTime", str(q.talktime)),
                ("LongestHoldTime", str(longest)),
                *_aid(req),
            ],
        )
        count += 1
    complete(s, req, "QueueSummaryComplete", count)


def device_state_list(s: AmiSession, req: Request) -> None:
    start(s, req, "Device State Changes will follow")
    complete(s, req, "DeviceStateListComplete", 0)


def cli(pbx: Pbx, cmd: str) -> tuple[bool, list[str]]:
    """A few CLI commands operators use for diagnostics."""
    words = cmd.split()
    if cmd == "core show uptime":
        up = int(time.time() - pbx.started)
        return True, [
            f"System uptime: {up // 60} minutes, {up % 60} seconds",
            f"Last reload: {up // 60} minutes, {up % 60} seconds",
        ]
    if cmd == "core show version":
        return True, ["Asterisk 22.10.1 built by ccdesk-sim on a simulated machine"]
    if words[:2] == ["core", "show"] and words[2:3] == ["channels"]:
        lines = ["Channel              Location             State   Application(Data)"]
        lines += [
            f"{c.name:<20} {c.exten}@{c.context:<12} {c.state:<7} {c.app}({c.appdata})" for c in pbx.channels.values()
        ]
        lines.append(f"{len(pbx.channels)} active channels")
        return True, lines
    if words[:2] == ["queue", "show"]:
        names = words[2:] or list(pbx.queues)
        out: list[str] = []
        for name in names:
            q = pbx.queues.get(name)
            if q is None:
                out.append(f"No such queue: {name}.")
                continue
            out.append(
                f"{q.name} has {len(q.waiting)} calls (max unlimited) in "
                f"'{q.config.strategy}' strategy ({q.holdtime}s holdtime, "
                f"{q.talktime}s talktime), W:0, C:{q.completed}, A:{q.abandoned}, "
                "SL:0.0%, SL2:0.0% within 0s"
            )
            out.append("   Members: ")
            for m in q.members.values():
                state = {1: "Not in use", 2: "In use", 5: "Unavailable", 6: "Ringing"}.get(
                    pbx.member_status(m), "Unknown"
                )
                paused = f" (paused:{m.paused_reason})" if m.paused else ""
                out.append(
                    f"      {m.name} ({m.interface}) ({'dynamic' if m.dynamic else 'static'})"
                    f"{paused} ({state}) has taken {m.calls_taken} calls"
                )
            out.append("   No Callers" if not q.waiting else "   Callers: ")
            out.append("")
        return True, out
    head = " ".join(words[:3])
    return False, [f"No such command '{cmd}' (type 'core show help {head}' for other possible commands)"]

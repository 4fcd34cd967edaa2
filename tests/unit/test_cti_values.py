"""No value reaches AMI unchecked: validators, command → action shapes, and a
property test that a control character never gets onto the wire."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti import values as v
from cti.calls import OriginateRequest
from cti.client import AmiClient, AmiConfig
from cti.control import (
    AttendedTransfer,
    BlindTransfer,
    CallControl,
    CancelTransfer,
    CliCommand,
    Command,
    CompleteTransfer,
    Hangup,
    Originate,
    QueueAdd,
    QueuePause,
    QueueRemove,
    QueueStatus,
    QueueSummary,
    Redirect,
    Spy,
    StartRecording,
    StopRecording,
)
from cti.errors import CtiError, InvalidValue


class Wire:
    """The transport at cti's edge: records every frame that would be written."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.originates: list[OriginateRequest] = []

    async def send(self, action: dict[str, Any], *, timeout: float | None = None, as_list: bool | None = None) -> Any:
        lines = []
        for key, value in action.items():
            for item in value if isinstance(value, list) else [value]:
                lines.append(f"{key}: {item}\r\n")
        self.frames.append(("".join(lines) + "\r\n").encode())
        return {"Response": "Success", "Message": "ok"}

    def note_originate(self, request: OriginateRequest) -> None:
        self.originates.append(request)


def run(command: Command) -> tuple[Wire, Any]:
    wire = Wire()
    result = asyncio.run(CallControl(wire).execute(command))
    return wire, result


def sent(command: Command) -> dict[str, str]:
    wire, _ = run(command)
    (frame,) = wire.frames
    return dict(line.split(": ", 1) for line in frame.decode().split("\r\n") if ": " in line)


# ------------------------------------------------------------------ validators


@pytest.mark.parametrize(
    "check, good, bad",
    [
        (v.number, ["79001234567", "+79001234567", "5555"], ["", "7900 123", "7900-123", "+", "79;1", "1" * 33]),
        (v.digits, ["1002", "12*#"], ["agent2", "10 02", ""]),
        (v.exten, ["1002", "billing", "s", "_X."], ["bill ing", "a,b", "a&b", "x" * 65]),
        (v.name, ["support", "after_call_work", "q-1.2"], ["sup port", "a,b", "a/b", ""]),
        (
            v.channel,
            ["PJSIP/agent1", "PJSIP/agent1-00000001", "Local/1002@agents-00000000;1", "Local/agent1@agents/n"],
            ["agent1", "PJSIP/", "PJSIP/a b", "PJSIP/a,b", "PJSIP/a&PJSIP/b"],
        ),
        (v.variable_name, ["CCDESK_CORRELATION", "__INHERIT"], ["1X", "A-B", "A=B", ""]),
    ],
)
def test_validators(check: Any, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert check("field", value) == value
    for value in bad:
        with pytest.raises(InvalidValue) as err:
            check("field", value)
        assert err.value.field == "field"


@pytest.mark.parametrize("char", ["\r", "\n", "\x00", "\t", "\x1b", "\x7f"])
def test_a_control_character_is_refused_everywhere(char: str) -> None:
    for check in (v.number, v.digits, v.exten, v.name, v.channel, v.variable_name, v.text):
        with pytest.raises(InvalidValue, match="control character"):
            check("target", f"1002{char}Action: Hangup")


def test_invalid_value_is_a_cti_error_naming_the_field() -> None:
    with pytest.raises(CtiError) as err:
        run(BlindTransfer(channel="PJSIP/agent1-00000001", exten="billing\r\nAction: Logoff", context="transfer"))
    assert isinstance(err.value, InvalidValue) and err.value.field == "exten"
    assert "exten" in str(err.value)


# ------------------------------------------------------------------ shapes


def test_attended_transfer_start_complete_cancel() -> None:
    assert sent(AttendedTransfer(channel="PJSIP/agent1-00000001", exten="1002")) == {
        "Action": "Atxfer",
        "Channel": "PJSIP/agent1-00000001",
        "Exten": "1002",
        "Context": "agents",
    }
    with pytest.raises(InvalidValue):  # letters are lost as DTMF
        run(AttendedTransfer(channel="PJSIP/agent1-00000001", exten="agent2"))
    assert sent(CompleteTransfer(channel="PJSIP/agent1-00000001")) == {
        "Action": "Hangup",
        "Channel": "PJSIP/agent1-00000001",
    }
    assert sent(CancelTransfer(channel="Local/1002@agents-00000000;1")) == {
        "Action": "Hangup",
        "Channel": "Local/1002@agents-00000000;1",
    }


def test_queue_load_recording_and_spy_actions() -> None:
    assert sent(QueueSummary(queue="support")) == {"Action": "QueueSummary", "Queue": "support"}
    assert sent(QueueStatus(member="PJSIP/agent1")) == {"Action": "QueueStatus", "Member": "PJSIP/agent1"}
    assert sent(StartRecording(channel="PJSIP/trunk-00000000", file="c1.wav")) == {
        "Action": "MixMonitor",
        "Channel": "PJSIP/trunk-00000000",
        "File": "c1.wav",
        "Options": "b",
    }
    assert sent(StopRecording(channel="PJSIP/trunk-00000000"))["Action"] == "StopMixMonitor"
    wire, _ = run(Spy(phone="PJSIP/agent4", target="PJSIP/agent1"))
    frame = wire.frames[0].decode()
    assert "Channel: PJSIP/agent4\r\n" in frame and "Application: ChanSpy\r\n" in frame
    assert "Data: PJSIP/agent1,q\r\n" in frame
    assert wire.originates[0].application == "ChanSpy"


def test_originate_checks_the_dial_string_and_variables() -> None:
    wire, _ = run(Originate(destination="PJSIP/+79001234567@trunk", context="dialer", exten="s", variables={"A": "1"}))
    assert b"Channel: PJSIP/+79001234567@trunk\r\n" in wire.frames[0] and b"Variable: A=1\r\n" in wire.frames[0]
    for bad in ("PJSIP/7900 1@trunk", "PJSIP/7900&PJSIP/1@trunk", "PJSIP/79001@trunk,30,tT", "79001234567"):
        with pytest.raises(InvalidValue) as err:
            run(Originate(destination=bad, context="dialer", exten="s"))
        assert err.value.field == "destination"
    with pytest.raises(InvalidValue):
        run(Originate(destination="PJSIP/1@trunk", context="dialer", variables={"A\r\nAction: Logoff": "1"}))
    with pytest.raises(InvalidValue):
        run(Originate(destination="PJSIP/1@trunk", context="dialer", variables={"A": "1\nAction: Logoff"}))


# ------------------------------------------------------------------ the property

CONTROL = st.sampled_from([chr(c) for c in range(0x20)] + ["\x7f"])


@st.composite
def tainted(draw: st.DrawFn) -> str:
    """Any text with at least one control character somewhere in it."""
    head = draw(st.text(max_size=12))
    tail = draw(st.text(max_size=12))
    return head + draw(CONTROL) + tail


def commands(bad: str) -> list[Command]:
    chan = "PJSIP/agent1-00000001"
    return [
        Hangup(channel=bad),
        BlindTransfer(channel=chan, exten=bad, context="transfer"),
        BlindTransfer(channel=chan, exten="billing", context=bad),
        Redirect(channel=bad, exten="support", context="incoming"),
        AttendedTransfer(channel=chan, exten=bad),
        AttendedTransfer(channel=chan, exten="1002", context=bad),
        CompleteTransfer(channel=bad),
        CancelTransfer(channel=bad),
        QueueAdd(queue=bad, interface="PJSIP/1001"),
        QueueAdd(queue="support", interface="PJSIP/1001", member_name=bad),
        QueueRemove(queue="support", interface=bad),
        QueuePause(interface="PJSIP/1001", paused=True, reason=bad),
        QueueSummary(queue=bad),
        QueueStatus(queue="support", member=bad),
        StartRecording(channel=chan, file=bad),
        StopRecording(channel=bad),
        CliCommand(command=bad),
        Spy(phone="PJSIP/agent4", target=bad),
        Originate(destination=f"PJSIP/{bad}@trunk", context="dialer"),
        Originate(destination="PJSIP/1@trunk", context="dialer", caller_id=bad),
        Originate(destination="PJSIP/1@trunk", context="dialer", correlation_id=bad),
        Originate(destination="PJSIP/1@trunk", context="dialer", variables={"X": bad}),
        Originate(destination="PJSIP/1@trunk", application="Wait", data=bad),
    ]


@settings(max_examples=60, deadline=None)
@given(bad=tainted())
def test_no_value_with_a_control_character_ever_reaches_the_wire(bad: str) -> None:
    for command in commands(bad):
        wire = Wire()
        with pytest.raises(InvalidValue):
            asyncio.run(CallControl(wire).execute(command))
        assert wire.frames == [] and wire.originates == [], f"{command!r} reached the wire"


@settings(max_examples=60, deadline=None)
@given(bad=tainted(), key=st.sampled_from(["Channel", "Exten", "Reason", "Variable"]))
def test_the_client_refuses_any_raw_action_with_a_control_character(bad: str, key: str) -> None:
    """The last line of defence: AmiClient.send checks even actions built elsewhere,
    before it looks at the connection at all."""
    client = AmiClient(AmiConfig())
    with pytest.raises(InvalidValue):
        asyncio.run(client.send({"Action": "Hangup", key: [bad] if key == "Variable" else bad}))

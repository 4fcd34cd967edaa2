"""The call table's public operations, as tables (no sockets, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cti.calls import OriginateRequest
from cti.events import (
    CallEnded,
    CallOffered,
    Direction,
    Event,
    OriginateOutcome,
    OriginateResult,
)
from cti.table import CallTable
from cti.topology import Topology
from cti.tracker import CallTracker

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float = 0.0) -> datetime:
    return T0 + timedelta(seconds=seconds)


def channel(
    name: str, uid: str, lid: str, state: str = "0", num: str = "<unknown>", exten: str = "s"
) -> dict[str, str]:
    return {
        "Channel": name,
        "Uniqueid": uid,
        "Linkedid": lid,
        "ChannelState": state,
        "CallerIDNum": num,
        "Exten": exten,
    }


@pytest.mark.parametrize(
    "name, trunk",
    [
        ("PJSIP/trunk-00000001", True),
        ("PJSIP/5555@trunk", True),
        ("PJSIP/agent4-00000000", False),
        ("PJSIP/agent4", False),
        ("Local/79001110002@customers-00000019;1", True),
        ("Local/79001110002@customers", True),
        ("Local/s@incoming-0000000d;1", False),
        ("Local/1002@agents-00000000;1", False),
    ],
)
def test_topology_tells_trunks_from_phones(name: str, trunk: bool) -> None:
    assert Topology().is_trunk(name) is trunk


def test_topology_is_configurable() -> None:
    topo = Topology(trunks=frozenset({"PJSIP/provider1"}), trunk_contexts=frozenset())
    assert topo.is_trunk("PJSIP/provider1-0000000a") and topo.is_trunk("PJSIP/79001234567@provider1")
    assert not topo.is_trunk("PJSIP/trunk-00000001") and not topo.is_trunk("Local/1@customers-1;1")


def test_new_call_and_add_channel_index_the_channels() -> None:
    t = CallTable()
    call = t.new_call("c1", at())
    first = t.add_channel(call, channel("PJSIP/trunk-1", "c1", "c1", state="4", num="79001234567"))
    t.add_channel(call, channel("PJSIP/agent1-2", "c1b", "c1"))
    assert call.origin == "c1" and call.first is first and call.first_state == "4"
    assert t.channel_index == {"c1": "c1", "c1b": "c1"}
    assert t.drop_channel(call, "c1b") is not None and "c1b" not in t.channel_index
    assert call.first is first  # kept after its hangup, the card needs its name


@pytest.mark.parametrize(
    "first, state, fallback, expected",
    [
        ("PJSIP/trunk-1", "4", None, Direction.INBOUND),  # a trunk leg that rang in
        ("PJSIP/trunk-1", "0", None, None),  # a dialled trunk leg: wait for who dialled it
        ("PJSIP/agent4-1", "4", None, None),  # a phone: wait for what it dials
        ("PJSIP/agent4-1", "4", Direction.INBOUND, Direction.INBOUND),  # … it called a queue
    ],
)
def test_decide_direction_from_the_channels(
    first: str, state: str, fallback: Direction | None, expected: Direction | None
) -> None:
    t = CallTable()
    call = t.new_call("c1", at())
    t.add_channel(call, channel(first, "c1", "c1", state=state, num="100"))
    out: list[Event] = []
    t.offer(call, at(), out, fallback=fallback)
    if expected is None:
        assert out == [] and not call.decided
    else:
        (offered,) = out
        assert isinstance(offered, CallOffered) and offered.direction is expected


def test_make_outbound_then_offer_once_with_the_customer_number_and_the_phone() -> None:
    t = CallTable()
    call = t.new_call("c1", at())
    t.add_channel(call, channel("PJSIP/agent4-1", "c1", "c1", state="4", num="agent4", exten="79161234567"))
    t.make_outbound(
        call, customer="c2", number="79161234567", operator="PJSIP/agent4", operator_channel="PJSIP/agent4-1"
    )
    out: list[Event] = []
    t.offer(call, at(1), out)
    t.offer(call, at(2), out)
    (offered,) = out
    assert isinstance(offered, CallOffered)
    assert (offered.direction, offered.caller_number, offered.agent) == (
        Direction.OUTBOUND,
        "79161234567",
        "PJSIP/agent4",
    )


def test_settle_originate_before_any_channel_folds_the_late_channels_into_it() -> None:
    t = CallTable()
    req = OriginateRequest(action_id="o1", channel_id=None, destination="Local/79001110002@customers", sync=True)
    t.expect_originate(req, at())
    out: list[Event] = []
    t.settle_originate(None, t.originates["o1"], OriginateOutcome.FAILED, at(1), out, message="Originate failed")
    (result,) = out
    assert isinstance(result, OriginateResult) and result.call_id == "originate:o1"
    assert result.customer_number == "79001110002"
    call = t.new_call("x1", at(2))
    t.add_channel(call, channel("Local/79001110002@customers-0000001d;1", "x1", "x1"))
    out.clear()
    t.offer(call, at(2), out, fallback=Direction.INBOUND)
    t.end_call(call, at(3), out)
    assert out == [] and t.calls == {}, "the same attempt: no second card"


def test_our_originate_is_attached_by_channel_id_and_settled_before_the_end() -> None:
    t = CallTable()
    t.expect_originate(OriginateRequest(action_id="o1", channel_id="d1", destination="PJSIP/5555@trunk"), at())
    call = t.new_call("d1", at())
    t.add_channel(call, channel("PJSIP/trunk-6", "d1", "d1"))
    out: list[Event] = []
    t.offer(call, at(), out)
    t.end_call(call, at(1), out)  # hung up before the OriginateResponse: held
    assert [type(e) for e in out] == [CallOffered] and call.awaiting_result
    t.settle_originate(call, t.originates["o1"], OriginateOutcome.BUSY, at(2), out, reason=5)
    assert [type(e) for e in out] == [CallOffered, OriginateResult, CallEnded]
    ended = out[-1]
    assert isinstance(ended, CallEnded) and ended.outcome is OriginateOutcome.BUSY and ended.call_id == "d1"


def test_end_call_of_internal_phones_only_says_nothing() -> None:
    t = CallTable()
    call = t.new_call("p1", at())
    t.add_channel(call, channel("PJSIP/agent4-1", "p1", "p1", state="4", num="agent4"))
    out: list[Event] = []
    t.end_call(call, at(1), out)
    assert out == [] and t.calls == {} and "p1" in t.recently_ended


def test_end_call_of_an_unanswered_inbound_call_has_no_agent() -> None:
    t = CallTable()
    call = t.new_call("c1", at())
    t.add_channel(call, channel("PJSIP/trunk-1", "c1", "c1", state="4", num="79001234567"))
    call.rung.append("PJSIP/agent1")
    call.agent = "PJSIP/agent1"  # whatever a handler left behind: not answered, not the agent
    out: list[Event] = []
    t.end_call(call, at(5), out)
    ended = out[-1]
    assert isinstance(ended, CallEnded) and ended.agent is None and ended.rung_agents == ("PJSIP/agent1",)
    assert ended.outcome is None


def test_the_tracker_passes_its_topology_to_the_table() -> None:
    tracker = CallTracker(topology=Topology(trunks=frozenset({"PJSIP/provider1"})))
    frames = [
        {**channel("PJSIP/provider1-1", "c1", "c1", state="4", num="79001234567"), "Event": "Newchannel"},
        {**channel("PJSIP/trunk-2", "c2", "c2", state="4", num="79001234568"), "Event": "Newchannel"},
    ]
    out = [e for f in frames for e in tracker.feed(f, at())]
    assert [e.call_id for e in out if isinstance(e, CallOffered)] == ["c1"]  # PJSIP/trunk is a phone here

"""Fuzz over real TCP: a PBX that sends garbage between its frames does not
bring the AMI client down; the calls that follow are tracked as before."""

from __future__ import annotations

import asyncio
import threading

from hypothesis import given
from hypothesis import strategies as st

from cti import AmiClient
from cti.events import AgentRinging, CallAnswered, CallEnded, CallOffered, CallQueued, PbxHealth, PbxResynced
from cti.frames import encode
from cti.sim import PbxSimulator
from tests.cti.conftest import fast_config
from tests.cti.test_client import Recorder, client_config

from .budget import budget
from .test_ami_frames import EVENTS, KEYS, check_told_in_order

TERMINATOR = b"\r\n\r\n"
text = st.text(max_size=40)
garbage_frame = st.one_of(
    # binary garbage and non-UTF-8, ended as Asterisk ends a message
    st.binary(min_size=1, max_size=300).filter(lambda b: TERMINATOR not in b).map(lambda b: b + TERMINATOR),
    # well-formed frames with nonsense in them: unknown events, missing ids, bogus responses, huge values
    st.lists(
        st.one_of(
            st.tuples(st.just("Event"), st.sampled_from([*EVENTS, "Bogus", ""])),
            st.tuples(st.just("Response"), st.sampled_from(["Success", "Error", "Follows", "Goodbye"])),
            st.tuples(st.just("ActionID"), text),
            st.tuples(st.sampled_from(KEYS), text.filter(lambda s: "\r\n" not in s)),
            st.tuples(st.just("Value"), st.integers(1000, 300_000).map(lambda n: "9" * n)),
        ),
        min_size=1,
        max_size=8,
    ).map(lambda pairs: encode([(k, v.replace("\r\n", " ")) for k, v in pairs])),
)


async def _scenario(blobs: list[bytes]) -> None:
    sim = PbxSimulator(fast_config())
    await sim.start()
    client = AmiClient(client_config(sim))
    rec = Recorder(client)
    try:
        await client.start()
        await client.wait_connected(5)
        await rec.wait(lambda: rec.of(PbxResynced))
        server = sim._server  # the sessions' sockets: garbage goes between two whole frames
        assert server is not None
        for blob in blobs:
            for session in list(server.sessions):
                session.write(blob)
        call_id = sim.place_inbound_call("79001234567", queue="support", talk_time=0.2)
        await rec.wait(lambda: rec.of(CallEnded, call_id=call_id))
        kinds = [type(e) for e in rec.events if getattr(e, "call_id", None) == call_id]
        assert kinds == [CallOffered, CallQueued, AgentRinging, CallAnswered, CallEnded]
        assert client.health is PbxHealth.CONNECTED
        pong = await client.send({"Action": "Ping"})
        assert pong.get("Response") == "Success"
        check_told_in_order(rec.events)
    finally:
        await client.close()
        await sim.stop()


def _run_in_own_loop(blobs: list[bytes]) -> None:
    """asyncio.run in a thread: the test session's event loop stays untouched."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(_scenario(blobs))
        except BaseException as exc:  # handed to the test thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "scenario hung"
    if failure:
        raise failure[0]


@budget(6)
@given(st.lists(garbage_frame, min_size=1, max_size=12))
def test_client_survives_garbage_and_keeps_tracking_calls(blobs: list[bytes]) -> None:
    _run_in_own_loop(blobs)

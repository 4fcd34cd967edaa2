"""A change in a queue wakes the caller that may ring next, once.

Callers are served in order: the first caller that is not ringing is the only one that may ring a member
now. Waking every waiting caller on every change cost the simulator O(waiting) task switches per change
(with 2,000 members and 100 calls a second, 40 % of its time), so a change wakes that one caller, and a
caller already woken is not queued a second poke.
"""

from __future__ import annotations

from cti.sim.call import SimCall
from cti.sim.channel import SimChannel
from cti.sim.config import QueueConfig
from cti.sim.state import Queue


def _call(n: int) -> SimCall:
    caller = SimChannel(
        name=f"PJSIP/trunk-{n:08d}", uniqueid=f"{n}.1", linkedid=f"{n}.1", device="PJSIP/trunk", context="x", exten="s"
    )
    return SimCall(call_id=f"{n}.1", caller=caller)


def _pending(call: SimCall) -> list[str]:
    kinds = []
    while not call.signals.empty():
        kinds.append(call.signals.get_nowait().kind)
    return kinds


def test_a_change_wakes_the_first_caller_that_is_not_ringing() -> None:
    q = Queue(config=QueueConfig(name="support"))
    first, second, third = _call(1), _call(2), _call(3)
    q.waiting.extend([first, second, third])
    first.ringing["PJSIP/2001"] = first.caller  # ringing a member already: it need not look again
    q.wake()
    assert (_pending(first), _pending(second), _pending(third)) == ([], ["poke"], [])


def test_pokes_do_not_pile_up_while_one_waits_unread() -> None:
    q = Queue(config=QueueConfig(name="support"))
    call = _call(1)
    q.waiting.append(call)
    for _ in range(50):
        q.wake()
    call.signal("caller_hangup")  # other signals are never merged away
    assert _pending(call) == ["poke", "caller_hangup"]


async def test_a_caller_that_read_its_poke_is_woken_again() -> None:
    q = Queue(config=QueueConfig(name="support"))
    call = _call(1)
    q.waiting.append(call)
    q.wake()
    got = await call.next_signal(0)
    assert got is not None and got.kind == "poke"
    q.wake()
    again = await call.next_signal(0)
    assert again is not None and again.kind == "poke"


def test_an_empty_queue_wakes_nobody() -> None:
    Queue(config=QueueConfig(name="support")).wake()  # nothing to do, and no error

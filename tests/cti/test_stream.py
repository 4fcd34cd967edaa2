"""The event stream: each subscriber in order, isolated from the others, never blocking the publisher."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cti.stream import LocalStream, StreamClosed


async def test_each_subscriber_sees_every_event_in_publish_order() -> None:
    stream: LocalStream[int] = LocalStream()
    seen: dict[str, list[int]] = {"cards": [], "presence": []}

    async def cards(event: int) -> None:
        if event % 7 == 0:
            await asyncio.sleep(0.001)  # a slow handler must not reorder its own events
        seen["cards"].append(event)

    stream.subscribe("cards", cards)
    stream.subscribe("presence", seen["presence"].append)  # a plain function works too
    for n in range(500):
        stream.publish(n)
    await stream.drain()
    assert seen["cards"] == list(range(500))
    assert seen["presence"] == list(range(500))
    await stream.close()


async def test_a_failing_subscriber_is_logged_and_breaks_neither_itself_nor_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream: LocalStream[int] = LocalStream()
    good: list[int] = []
    after_failure: list[int] = []

    async def flaky(event: int) -> None:
        if event == 2:
            raise RuntimeError("boom on 2")
        after_failure.append(event)

    failing = stream.subscribe("flaky", flaky)
    stream.subscribe("good", good.append)
    with caplog.at_level(logging.ERROR, logger="cti.stream"):
        for n in range(5):
            stream.publish(n)
        await stream.drain()
    assert good == [0, 1, 2, 3, 4]
    assert after_failure == [0, 1, 3, 4], "the event after the failure is still handled"
    assert failing.failed == 1
    assert any("flaky" in r.getMessage() and r.exc_info for r in caplog.records)
    await stream.close()


async def test_a_stuck_subscriber_never_blocks_publish_nor_the_others_and_its_overflow_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream: LocalStream[int] = LocalStream()
    release = asyncio.Event()
    fast: list[int] = []
    slow: list[int] = []

    async def stuck(event: int) -> None:
        await release.wait()
        slow.append(event)

    stuck_sub = stream.subscribe("stuck", stuck, queue_size=3)
    fast_sub = stream.subscribe("fast", fast.append)
    with caplog.at_level(logging.ERROR, logger="cti.stream"):
        for n in range(10):
            stream.publish(n)  # synchronous: returns at once, whatever the subscribers do
        await asyncio.wait_for(fast_sub.drain(), 2)  # the stuck one does not hold it back
    assert fast == list(range(10))
    assert stuck_sub.dropped >= 6 and any("stuck" in r.getMessage() for r in caplog.records)
    release.set()
    await stream.drain()
    assert slow == sorted(slow) and slow[0] == 0, "what it kept, it handles in order"
    await stream.close()


async def test_unsubscribe_stops_delivery_to_that_subscriber_only() -> None:
    stream: LocalStream[str] = LocalStream()
    a: list[str] = []
    b: list[str] = []
    unsubscribe = stream.subscribe("a", a.append)
    stream.subscribe("b", b.append)
    stream.publish("one")
    await stream.drain()
    unsubscribe()
    stream.publish("two")
    await stream.drain()
    assert a == ["one"] and b == ["one", "two"]
    assert [s.name for s in stream.subscriptions] == ["b"]
    await stream.close()


async def test_close_hands_over_what_is_queued_then_awaits_every_task() -> None:
    stream: LocalStream[int] = LocalStream()
    handled: list[int] = []

    async def slowish(event: int) -> None:
        await asyncio.sleep(0)
        handled.append(event)

    subscription = stream.subscribe("slowish", slowish)
    for n in range(20):
        stream.publish(n)
    await stream.close()
    assert handled == list(range(20))
    assert subscription._task.done()
    with pytest.raises(StreamClosed):
        stream.subscribe("late", handled.append)


async def test_close_cancels_a_handler_that_never_returns() -> None:
    stream: LocalStream[int] = LocalStream()
    forever = asyncio.Event()

    async def hangs(event: int) -> None:
        await forever.wait()

    subscription = stream.subscribe("hangs", hangs)
    stream.publish(1)
    await asyncio.wait_for(stream.close(timeout=0.1), 2)
    assert subscription._task.done()


async def test_two_subscribers_cannot_share_a_name() -> None:
    stream: LocalStream[int] = LocalStream()
    stream.subscribe("cards", lambda e: None)
    with pytest.raises(ValueError, match="cards"):
        stream.subscribe("cards", lambda e: None)
    await stream.close()


async def test_unsubscribing_during_a_handler_lets_that_event_finish() -> None:
    stream: LocalStream[int] = LocalStream()
    entered = asyncio.Event()
    go_on = asyncio.Event()
    finished: list[int] = []

    async def careful(event: int) -> None:
        entered.set()
        await go_on.wait()
        finished.append(event)

    unsubscribe = stream.subscribe("careful", careful)
    stream.publish(1)
    await asyncio.wait_for(entered.wait(), 2)
    unsubscribe()  # the queue is empty, but event 1 is being handled
    go_on.set()
    await stream.close()
    assert finished == [1]

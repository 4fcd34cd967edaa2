"""workstation/batch_writer.py: what is put is stored in order, many at a time; a failing batch does not stop
the later ones; closing stores what is queued."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from workstation.batch_writer import BatchWriter


def _started(store: Callable[[list[int]], Awaitable[None]], batch: int, items: range) -> BatchWriter[int]:
    writer: BatchWriter[int] = BatchWriter("test", store, batch=batch)
    writer.start()
    for i in items:
        writer.put(i)
    return writer


async def test_items_are_stored_in_order_in_batches_and_closing_stores_the_rest() -> None:
    stored: list[list[int]] = []

    async def store(items: list[int]) -> None:
        await asyncio.sleep(0.001)  # a write takes a while: what comes meanwhile joins the next batch
        stored.append(items)

    writer = _started(store, 50, range(120))
    await writer.drain()
    for i in range(120, 130):
        writer.put(i)
    await writer.close()
    assert [i for batch in stored for i in batch] == list(range(130))
    assert max(len(batch) for batch in stored) == 50
    assert len(stored) < 130  # batched, not one by one


def _refusing_3(stored: list[int]) -> Callable[[list[int]], Awaitable[None]]:
    """A store that fails any batch holding 3 and keeps the others in `stored`."""

    async def store(items: list[int]) -> None:
        if 3 in items:
            raise RuntimeError("the database said no")
        stored.extend(items)

    return store


async def test_a_failing_batch_does_not_stop_the_later_ones() -> None:
    stored: list[int] = []
    writer = _started(_refusing_3(stored), 1, range(6))
    await writer.close()
    assert stored == [0, 1, 2, 4, 5]


async def test_close_before_start_and_twice_is_harmless() -> None:
    async def store(items: list[int]) -> None:
        raise AssertionError("nothing to store")

    writer: BatchWriter[int] = BatchWriter("test", store, batch=10)
    await writer.close()
    writer.start()
    await writer.close()
    await writer.close()


async def test_with_one_a_bad_item_costs_only_itself() -> None:
    stored: list[int] = []
    store = _refusing_3(stored)
    writer: BatchWriter[int] = BatchWriter("test", store, batch=10, one=lambda item: store([item]))
    for i in range(6):
        writer.put(i)
    writer.start()  # all six in one batch, which fails: then one by one
    await writer.close()
    assert stored == [0, 1, 2, 4, 5]

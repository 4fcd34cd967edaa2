"""Keeps the cyclic garbage collector's pauses short in the long-running server.

A full collection walks every tracked object. With 2000 operators signed in the heap holds their sockets,
sessions and calls, and each full pass stopped the event loop for 100–250 ms: every screen pop due in that
time waited (bench/screen_pop.py). CPython runs a full pass whenever the objects that survived the younger
generations grow by a quarter, which is often while operators sign in and calls come and go.

So the survivors are moved out of the collector's sight (`gc.freeze`, which costs nothing at any size) after
start-up and then four times a second, after a collection of the young generations: a quarter of a second
of new objects, a few milliseconds. Leaving the young passes to CPython's thresholds did not bound them:
CPython counts a young object off whenever *any* object dies, so on a floor where new calls replace old
ones the young generation grew to 172,000 objects before its count crossed the threshold, a 130 ms pass
(found by timing the collector during the 2,000-operator bench; collecting once a minute instead walked a
minute of survivors, 740 ms).
A frozen object still dies the moment nothing refers to it; only cycles among frozen objects (cycles
that form after their objects' first quarter second) wait, until the hourly full pass (`gc.unfreeze`,
collect everything, freeze again) reclaims them: one long pause an hour instead of many. In the bench the
full pass at the end found as much garbage with the quarter-second freezes as without them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Young objects are collected less often than the default 700 allocations: a screen pop alone allocates
# thousands, and each young pass costs a little of every request's time.
THRESHOLDS = (50_000, 20, 100)
YOUNG_PASS_S = 0.25
YOUNG = 1  # gc.collect(YOUNG): generations 0 and 1
FULL_PASS_S = 3600.0
SLOW_PASS_MS = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Pass:
    full: bool  # unfreeze first: walk the whole heap, frozen objects too


def due(now: float, *, last_freeze: float, last_full: float) -> Pass | None:
    """The pass due at `now` (monotonic seconds), if any."""
    if now - last_full >= FULL_PASS_S:
        return Pass(full=True)
    if now - last_freeze >= YOUNG_PASS_S:
        return Pass(full=False)
    return None


def run(p: Pass) -> int:
    """Collect what the pass covers, then freeze the survivors; the number of unreachable objects found."""
    if p.full:
        gc.unfreeze()
        found = gc.collect()
    else:
        found = gc.collect(YOUNG)
    gc.freeze()
    return found


async def keep_heap_frozen(clock: Callable[[], float] = time.monotonic, tick_s: float = YOUNG_PASS_S) -> None:
    """The server's heap policy, for its whole life (a kept task of web/server.py)."""
    gc.set_threshold(*THRESHOLDS)
    run(Pass(full=True))  # what start-up built lives as long as the process
    last_freeze = last_full = clock()
    while True:
        await asyncio.sleep(tick_s)
        now = clock()
        p = due(now, last_freeze=last_freeze, last_full=last_full)
        if p is None:
            continue
        started = time.perf_counter()
        found = run(p)
        took_ms = (time.perf_counter() - started) * 1000
        # Not four lines a second: the full passes and the slow ones. get_freeze_count walks the frozen heap
        # (120 ms with 2,000 operators), so only when asked for.
        if (p.full or took_ms > SLOW_PASS_MS) and log.isEnabledFor(logging.DEBUG):
            log.debug(
                "heap: %s pass, %d unreachable, %.1f ms, %d frozen",
                "full" if p.full else "young",
                found,
                took_ms,
                gc.get_freeze_count(),
            )
        last_freeze = now
        if p.full:
            last_full = now

"""The server's heap policy (web/heap.py): when a pass is due, and what each pass reclaims."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from web import heap
from web.heap import FULL_PASS_S, YOUNG_PASS_S, Pass, due


@pytest.mark.parametrize(
    ("since_freeze", "since_full", "expected"),
    [
        (0.0, 0.0, None),
        (YOUNG_PASS_S - 1, YOUNG_PASS_S - 1, None),
        (YOUNG_PASS_S, 10 * YOUNG_PASS_S, Pass(full=False)),
        (YOUNG_PASS_S, FULL_PASS_S, Pass(full=True)),
        (1.0, FULL_PASS_S + 1, Pass(full=True)),  # the hourly pass does not wait for the minute
    ],
)
def test_a_young_pass_each_minute_and_a_full_pass_each_hour(since_freeze, since_full, expected) -> None:
    now = 10_000.0
    assert due(now, last_freeze=now - since_freeze, last_full=now - since_full) == expected


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> Node:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process's heap as it was


def test_a_frozen_cycle_waits_for_the_full_pass_and_a_new_one_does_not(unfrozen) -> None:
    alive = _cycle()
    old = weakref.ref(alive)
    heap.run(Pass(full=False))  # in use then: frozen with the rest of the heap
    del alive  # garbage now, but a cycle among frozen objects
    new = weakref.ref(_cycle())  # garbage made since the freeze
    heap.run(Pass(full=False))
    assert new() is None, "garbage made since the last freeze goes at the next young pass"
    assert old() is not None, "a frozen cycle is out of the young pass's sight"
    heap.run(Pass(full=True))
    assert old() is None, "the full pass reclaims cycles among frozen objects"


def test_the_young_pass_leaves_the_old_generation_to_the_full_pass(unfrozen) -> None:
    """The quarter-second pass must stay short at any heap size: it does not walk the old generation, so a cycle
    that got there (it lived through a collection of the middle one) waits for the hourly pass."""
    heap.run(Pass(full=False))
    alive = _cycle()
    gc.collect(1)  # it survives the middle generation: it is old now, not frozen yet
    old = weakref.ref(alive)
    del alive
    heap.run(Pass(full=False))
    assert old() is not None, "the young pass does not look at the old generation"
    heap.run(Pass(full=True))
    assert old() is None

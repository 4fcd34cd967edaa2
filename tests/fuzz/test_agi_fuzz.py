"""Fuzz: whatever a (broken) Asterisk sends the FastAGI server, the session ends and closes cleanly,
nothing crashes, and the store holds only whole writes."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm_store.db import open_database
from crm_store.migrate import upgrade
from crm_store.models import Interaction, MeterReading, Task
from ivr.agi import LINE_LIMIT
from ivr.backend import IvrBackend
from ivr.menu import default_menu
from ivr.server import IvrServer
from ivr.store_backend import StoreBackend
from routing import default_rules
from tests.ivr.conftest import KNOWN, MONDAY_NOON, TWO_ACCOUNTS, UNKNOWN, sample_backend
from tests.ivr.fake_asterisk import HANG_UP, SILENCE
from tests.ivr.test_store_backend import seed
from workstation.application_types import load_application_types
from workstation.filing import TypedFiler

from .agi_peer import MISBEHAVIOURS, PeerLog, environment, play
from .budget import budget

LAST: list[PeerLog] = []  # the peer's log of the last call, for the assertions


class Errors(logging.Handler):
    """ERROR records of the IVR: a session that failed, a flow bug, a backend call or record that raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_in_own_loop(scenario: Callable[[], Awaitable[None]]) -> None:
    """asyncio.run in a thread: the test session's event loop stays untouched."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())  # type: ignore[arg-type]
        except BaseException as exc:  # handed to the test thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "scenario hung"
    if failure:
        raise failure[0]


async def drained(server: IvrServer, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not server.active_sessions:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("a session outlived its peer")


line_text = st.text(alphabet=st.characters(exclude_characters="\n"), max_size=40)
random_keys = st.lists(
    st.one_of(
        st.sampled_from(["0", "1", "2", "3", "4", "5", "6", "9", "*", "#", "100200300", "12500", "5001"]),
        st.text(alphabet="0123456789*#", max_size=12),
        st.just(SILENCE),
        st.just(HANG_UP),
    ),
    max_size=8,
)
# What callers do (tests/ivr): a meter reading confirmed or not, a call-back, a balance, an application.
journeys = st.sampled_from(
    [["3", "12345", "1", "9"], ["3", "12345", HANG_UP], ["3", "99999999", "1"], ["5"], ["1", "9"], ["4", "5001"], ["0"]]
)
keys = st.one_of(journeys, random_keys)
# Misbehaving from the first command on, or only once, late in an otherwise proper dialogue.
once_late = st.tuples(st.integers(0, 20), st.sampled_from(MISBEHAVIOURS)).map(lambda t: ["ok"] * t[0] + [t[1]])
behaviours = st.one_of(st.lists(st.sampled_from(MISBEHAVIOURS), max_size=10), once_late)
junk = st.lists(st.binary(max_size=60), max_size=4)


@st.composite
def valid_environments(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A FastAGI request for our script, odd callers, ids and extra variables included."""
    caller = draw(st.one_of(st.just(KNOWN), st.sampled_from([KNOWN, TWO_ACCOUNTS, UNKNOWN, "unknown", ""]), line_text))
    uniqueid = draw(st.one_of(st.just("1795459457.85"), line_text))
    extra = draw(st.lists(st.tuples(st.from_regex(r"agi_[a-z_]{1,12}", fullmatch=True), line_text), max_size=4))
    return environment(caller, uniqueid, extra), False


@st.composite
def bad_environments(draw: st.DrawFn) -> tuple[bytes, bool]:
    """(what the peer sends first, whether it hangs up right after it): never a request to serve."""
    kind = draw(st.sampled_from(["truncated", "bytes", "oversized", "other_script"]))
    env, _ = draw(valid_environments())
    if kind == "truncated":
        return env[: draw(st.integers(0, len(env) - 2))], True
    if kind == "bytes":
        return draw(st.binary(max_size=300).filter(lambda b: b"agi_network_script" not in b)) + b"\n\n", draw(
            st.booleans()
        )
    if kind == "oversized":
        return b"agi_network_script: ivr\nagi_x: " + b"a" * (LINE_LIMIT + 10) + b"\n\n", False
    return env.replace(b"agi_network_script: ivr?", b"agi_network_script: other?"), False


async def one_call(backend: IvrBackend, env: tuple[bytes, bool], plan: dict[str, Any]) -> Errors:
    errors = Errors()
    logging.getLogger("ivr").addHandler(errors)
    server = IvrServer(
        menu=default_menu(),
        backend=backend,
        rules=default_rules(),
        port=0,
        clock=lambda: MONDAY_NOON,
        env_timeout=2.0,
        reply_timeout=2.0,
    )
    await server.start()
    try:
        data, close_after = env
        log = await play(server.port, data, close_after_env=close_after, **plan)
        LAST.clear()
        LAST.append(log)
        assert log.closed_by_server or log.we_closed, "the session neither ended nor was left"
        await drained(server)
    finally:
        await server.stop()
        logging.getLogger("ivr").removeHandler(errors)
    return errors


def plans(
    keys: st.SearchStrategy[Any] = keys, behaviours: st.SearchStrategy[Any] = behaviours
) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "keys": keys,
            "behaviours": behaviours,
            "junk": junk,
            "linkedid": st.one_of(st.none(), st.just("1795459457.84"), line_text),
        }
    )


@budget(60)
@given(valid_environments(), plans())
def test_any_dialogue_ends_cleanly_and_is_recorded(env: tuple[bytes, bool], plan: dict[str, Any]) -> None:
    """Garbage results, error codes, odd lines and hang-ups at any point: the session ends, the peer's
    socket is closed, nothing is logged as an error, and the IVR path is recorded once."""
    backend = sample_backend()

    async def scenario() -> None:
        errors = await one_call(backend, env, plan)
        assert not errors.records, [r.getMessage() for r in errors.records]
        assert len(backend.sessions) == 1 and backend.sessions[0].call_id, "the session was recorded"

    run_in_own_loop(scenario)


@budget(25)
@given(bad_environments(), plans())
def test_a_bad_request_is_closed_before_any_command(env: tuple[bytes, bool], plan: dict[str, Any]) -> None:
    backend = sample_backend()

    async def scenario() -> None:
        errors = await one_call(backend, env, plan)
        assert not errors.records, [r.getMessage() for r in errors.records]
        assert LAST[0].commands == [] and backend.sessions == []

    run_in_own_loop(scenario)


# ------------------------------------------------------------------ the store behind the IVR


def _filer(db: Any) -> TypedFiler:
    """The IVR's filing service as the app wires it: call-back requests and disputes become applications."""
    return TypedFiler(db=db, types=load_application_types(), rules=default_rules(), clock=lambda: datetime.now(UTC))


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One migrated, seeded SQLite file; every example works on a copy of it."""
    path = tmp_path_factory.mktemp("agi-store") / "template.db"

    async def build() -> None:
        url = f"sqlite:///{path}"
        await upgrade(url)
        db = open_database(url)
        try:
            await seed(db)
        finally:
            await db.dispose()

    run_in_own_loop(build)
    yield path


async def _count(db: Any, model: type) -> int:
    async with db.read_session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


@budget(20)
@given(
    st.sampled_from([KNOWN, TWO_ACCOUNTS]).map(lambda caller: (environment(caller, "1795459457.85", []), False)),
    plans(journeys, once_late),
)
def test_the_store_holds_only_whole_writes(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory, env: tuple[bytes, bool], plan: dict[str, Any]
) -> None:
    """Behind the real store: one card per session, a call-back task only with its card marked
    pending, at most one meter reading and only one the card's path confirms."""
    path = tmp_path_factory.mktemp("agi-call") / "ccdesk.db"
    shutil.copy(seeded_template, path)

    async def scenario() -> None:
        db = open_database(f"sqlite:///{path}")
        try:
            readings_before = await _count(db, MeterReading)
            errors = await one_call(StoreBackend(db, filer=_filer(db)), env, plan)
            assert not errors.records, [r.getMessage() for r in errors.records]
            async with db.read_session() as s:
                cards = (await s.execute(select(Interaction))).scalars().all()
                tasks = (await s.execute(select(Task))).scalars().all()
                readings = (
                    (await s.execute(select(MeterReading).order_by(MeterReading.id).offset(readings_before)))
                    .scalars()
                    .all()
                )
            assert len(cards) == 1, "the session is on exactly one card"
            card = cards[0]
            assert card.call_id
            for task in tasks:
                assert task.interaction_id == card.id and card.callback_status == "pending"
            assert len(readings) <= 1
            for reading in readings:
                assert reading.source == "ivr" and f"+reading:{reading.value}" in card.ivr_path
        finally:
            await db.dispose()

    run_in_own_loop(scenario)


def test_a_session_that_fails_before_its_linkedid_is_not_recorded_under_an_empty_id() -> None:
    """Was call_id "": every such session would have shared one call card."""
    backend = sample_backend()
    env = (environment(KNOWN, "", []), False)
    plan = {"keys": [], "behaviours": ["random_line"], "junk": [b"nonsense"], "linkedid": None}

    async def scenario() -> None:
        await one_call(backend, env, plan)
        await one_call(backend, env, plan)

    run_in_own_loop(scenario)
    ids = [s.call_id for s in backend.sessions]
    assert len(ids) == 2 and all(ids) and ids[0] != ids[1]

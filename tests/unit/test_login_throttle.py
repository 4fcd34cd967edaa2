"""Login throttling as tables: growing delays per user and address, no lock-out, trusted proxies only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from web.addresses import client_address, parse_networks
from web.throttle import ADDRESS, PAIR, USER, Attempt, LoginThrottle, wait_after

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("policy", "failures", "wait"),
    [
        (PAIR, 0, 0),
        (PAIR, 3, 0),  # three typos cost nothing
        (PAIR, 4, 2),
        (PAIR, 5, 4),
        (PAIR, 8, 32),
        (PAIR, 20, 300),  # capped at five minutes: a delay, never a lock
        (PAIR, 10_000, 300),
        (USER, 10, 0),
        (USER, 11, 1),
        (USER, 30, 30),
        (ADDRESS, 30, 0),
        (ADDRESS, 31, 1),
        (ADDRESS, 1000, 60),
    ],
)
def test_the_wait_grows_with_failures_up_to_a_cap(policy, failures: int, wait: int) -> None:
    assert wait_after(policy, failures) == wait * S


def _fail(throttle: LoginThrottle, attempt: Attempt, times: int, start: datetime = T0) -> datetime:
    """Fail `times` times, each as soon as allowed; returns the time of the last failure."""
    now = start
    for _ in range(times):
        now += timedelta(seconds=throttle.retry_after(attempt, now))
        throttle.failed(attempt, now)
    return now


ATTACKER = Attempt(username="op1", address="203.0.113.9")
OWNER = Attempt(username="op1", address="10.0.0.21")


def test_failures_from_elsewhere_never_lock_the_owner_out() -> None:
    throttle = LoginThrottle()
    last = _fail(throttle, ATTACKER, 50)
    assert throttle.retry_after(ATTACKER, last) == 300
    # The owner at their own desk waits at most the per-user cap, however long the attack goes on.
    assert throttle.retry_after(OWNER, last) <= USER.cap.total_seconds()
    assert throttle.retry_after(OWNER, last + USER.cap) == 0


def test_the_user_name_is_matched_case_insensitively() -> None:
    throttle = LoginThrottle()
    last = _fail(throttle, Attempt(username="OP1", address="203.0.113.9"), 4)
    assert throttle.retry_after(Attempt(username=" op1", address="203.0.113.9"), last) == 2


def test_a_success_clears_only_its_own_pair() -> None:
    throttle = LoginThrottle()
    insider = "10.0.0.7"
    now = T0
    for victim in ("op2", "op3", "op4", "op5", "op6", "op7", "op8", "op9"):
        now = _fail(throttle, Attempt(username=victim, address=insider), 4, now)
    throttle.succeeded(Attempt(username="insider", address=insider))  # their own login resets nothing
    assert throttle.retry_after(Attempt(username="op10", address=insider), now) > 0  # 32 failures > 30 free
    throttle.succeeded(Attempt(username="op2", address=insider))
    assert throttle.retry_after(Attempt(username="op2", address="10.0.0.99"), now) == 0


def test_many_addresses_guessing_one_user_are_slowed_down() -> None:
    throttle = LoginThrottle()
    now = T0
    for n in range(11):
        throttle.failed(Attempt(username="admin", address=f"198.51.100.{n}"), now)
    assert throttle.retry_after(Attempt(username="admin", address="198.51.100.200"), now) == 1


def test_counters_are_forgotten_after_an_hour_without_failures() -> None:
    throttle = LoginThrottle()
    last = _fail(throttle, ATTACKER, 20)
    assert throttle.retry_after(ATTACKER, last + timedelta(minutes=59)) == 0  # the 5-minute wait is over
    throttle.failed(ATTACKER, last + timedelta(minutes=59))
    assert throttle.retry_after(ATTACKER, last + timedelta(minutes=59)) == 300  # still counted
    throttle.failed(ATTACKER, last + timedelta(hours=3))
    assert throttle.retry_after(ATTACKER, last + timedelta(hours=3)) == 0  # a fresh start: one failure


def test_the_counters_stay_bounded_under_a_flood_of_names() -> None:
    throttle = LoginThrottle(max_keys=1000)
    for n in range(2000):
        throttle.failed(Attempt(username=f"u{n}", address="203.0.113.9"), T0 + n * S)
    assert len(throttle._counters) <= 1000


PROXY = parse_networks("10.0.0.5, 192.168.7.0/24")


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "client"),
    [
        ("203.0.113.9", [], PROXY, "203.0.113.9"),
        ("203.0.113.9", ["1.2.3.4"], PROXY, "203.0.113.9"),  # not our proxy: the header is the client's word
        ("10.0.0.5", ["198.51.100.7"], PROXY, "198.51.100.7"),
        ("10.0.0.5", ["1.2.3.4, 198.51.100.7"], PROXY, "198.51.100.7"),  # 1.2.3.4 was written by the client
        ("10.0.0.5", ["198.51.100.7, 192.168.7.3"], PROXY, "198.51.100.7"),  # two proxies of ours
        ("10.0.0.5", ["1.2.3.4", "198.51.100.7"], PROXY, "198.51.100.7"),  # two headers
        ("10.0.0.5", ["garbage"], PROXY, "10.0.0.5"),
        ("10.0.0.5", [], PROXY, "10.0.0.5"),
        ("10.0.0.5", ["198.51.100.7"], (), "10.0.0.5"),  # no proxy configured: never believed
        ("::ffff:10.0.0.5", ["2001:db8::1"], PROXY, "2001:db8::1"),
    ],
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(peer, headers, trusted, client) -> None:
    assert client_address(peer, headers, trusted) == client


def test_a_bad_proxy_entry_is_named() -> None:
    with pytest.raises(ValueError, match=re.escape("'10.0.0.300'")):
        parse_networks("10.0.0.1, 10.0.0.300")


async def test_an_unknown_user_is_checked_against_a_real_hash() -> None:
    from argon2 import PasswordHasher

    from web.passwords import dummy_hash, verify_login_async

    assert not await verify_login_async(None, "any-password")
    # The dummy hash costs what a user's hash costs: same algorithm and parameters as new hashes.
    assert not PasswordHasher().check_needs_rehash(await dummy_hash())

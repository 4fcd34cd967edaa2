"""Every menu branch, driven over a real TCP socket exactly as Asterisk drives a FastAGI script."""

from __future__ import annotations

from ivr.memory_backend import MemoryBackend
from ivr.server import IvrServer
from ivr.values import ABANDONED, SELF_SERVED, TRANSFERRED

from .conftest import BUSINESS, DEBTOR_ACCOUNT, KNOWN, TWO_ACCOUNTS, UNKNOWN
from .fake_asterisk import HANG_UP, SILENCE, call


async def test_known_caller_hears_balance_and_leaves_self_served(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["1", "9"])
    assert log.commands[:2] == ["GET FULL VARIABLE ${CHANNEL(linkedid)}", "ANSWER"]
    assert log.prompts[:4] == ["welcome", "main-menu", "balance-is", "rubles"]
    assert log.said[:2] == ["number:1500", "number:50"]
    assert log.played("no-debt") == 1 and log.played("enter-account") == 0
    assert log.played("goodbye") == 1 and log.script_hung_up and log.closed_by_server
    assert "CCDESK_QUEUE" not in log.variables
    assert log.variables["CCDESK_IVR_PATH"] == ("welcome>identify>main:1>balance>+balance>after-billing:9>goodbye")
    (record,) = backend.sessions
    assert record.call_id == "1795459457.84"  # the Linkedid, not the AGI channel's Uniqueid
    assert (record.outcome, record.identified_by, record.account_id) == (SELF_SERVED, "phone", 1)
    assert record.caller == "+79001234567"


async def test_unknown_caller_types_account_and_debtor_goes_to_debt_queue(
    server: IvrServer, backend: MemoryBackend
) -> None:
    log = await call(server.port, caller_id=UNKNOWN, keys=[DEBTOR_ACCOUNT, "1", "0"])
    assert log.played("enter-account") == 1
    assert log.played("debt-is") == 1 and "number:12345" in log.said
    assert (log.variables["CCDESK_QUEUE"], log.variables["CCDESK_PRIORITY"]) == ("debt", "3")
    assert log.played("transferring") == 1 and not log.script_hung_up
    (record,) = backend.sessions
    assert record.outcome == TRANSFERRED and record.identified_by == "account"
    assert record.decision is not None and record.decision.rule_id == "large-debt"


async def test_wrong_account_number_is_asked_again(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=UNKNOWN, keys=["999999", "12", "100200300", "0"])
    assert log.played("account-not-found") == 1
    assert log.played("invalid-input") == 1  # too short to be an account number
    assert log.played("enter-account") == 3
    assert log.variables["CCDESK_QUEUE"] == "support"
    assert backend.sessions[0].account_id == 1


async def test_account_retries_exhausted_hands_over_unidentified(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=UNKNOWN, keys=["111111", "222222", "333333"])
    assert log.played("account-not-found") == 3 and log.played("enter-account") == 3
    assert log.variables["CCDESK_QUEUE"] == "support"
    record = backend.sessions[0]
    assert record.decision is not None and record.decision.rule_id == "unidentified"
    assert record.account_id is None and record.outcome == TRANSFERRED


async def test_anonymous_caller_is_asked_for_the_account(server: IvrServer) -> None:
    log = await call(server.port, caller_id="unknown", keys=["100200300", "9"])
    assert log.played("enter-account") == 1 and log.played("after-service") == 0


async def test_caller_with_two_accounts_picks_one(server: IvrServer, backend: MemoryBackend) -> None:
    await call(server.port, caller_id=TWO_ACCOUNTS, keys=["100200303", HANG_UP])
    record = backend.sessions[0]
    assert (record.customer_id, record.account_id, record.identified_by) == (12, 4, "account")


async def test_last_payment_is_said_with_its_date(server: IvrServer) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["2", HANG_UP])
    assert log.prompts[2:6] == ["last-payment-is", "rubles", "paid-on", "after-service"]
    assert log.said == ["number:2300", "date:1793534400"]  # 2026-11-01 12:00 UTC


async def test_meter_reading_is_confirmed_and_stored(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["3", "12345", "1", "9"])
    assert log.said[:2] == ["number:12000", "number:12345"]  # the last reading, then the new one
    assert log.played("reading-accepted") == 1
    (stored,) = backend.stored_readings
    assert (stored.account_id, stored.value, stored.call_id) == (1, 12345, "1795459457.84")
    record = backend.sessions[0]
    assert record.served == ("reading:12345",) and record.outcome == SELF_SERVED


async def test_reading_lower_than_previous_is_rejected(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["3", "11999", "99999", HANG_UP])
    assert log.played("reading-lower") == 1 and log.played("reading-too-high") == 1
    assert backend.stored_readings == []
    assert backend.sessions[0].outcome == ABANDONED


async def test_declined_confirmation_stores_nothing(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["3", "12100", "2", "12200", HANG_UP])
    assert log.played("reading-cancelled") == 1 and log.played("confirm-reading") == 2
    assert backend.stored_readings == []
    assert backend.sessions[0].last_node == "meter"


async def test_application_status_found(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["4", "5001", "9"])
    assert log.prompts[2:6] == [
        "enter-application",
        "application-status-is",
        "status-in_progress",
        "due-date",
    ]
    assert backend.sessions[0].served == ("application:5001:in_progress",)


async def test_application_not_found_then_operator(server: IvrServer) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["4", "4040", "4041", "4042"])
    assert log.played("application-not-found") == 3
    assert log.variables["CCDESK_QUEUE"] == "support"


async def test_callback_request_is_booked_for_the_callers_number(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["5"])
    assert log.played("callback-registered") == 1 and log.script_hung_up
    (callback,) = backend.callbacks
    assert (callback.phone, callback.customer_id, callback.account_id) == ("+79001234567", 10, 1)
    assert backend.sessions[0].outcome == SELF_SERVED


async def test_callback_for_anonymous_caller_asks_the_number(server: IvrServer, backend: MemoryBackend) -> None:
    await call(server.port, caller_id="", keys=["100200300", "5", "123", "89161234567"])
    assert [c.phone for c in backend.callbacks] == ["+79161234567"]


async def test_operator_choice_is_routed_by_rules(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["0"])
    assert (log.variables["CCDESK_QUEUE"], log.variables["CCDESK_PRIORITY"]) == ("support", "0")
    assert log.variables["CCDESK_IVR_PATH"] == "welcome>identify>main:0>operator"
    decision = backend.sessions[0].decision
    assert decision is not None and decision.rule_id == "default"


async def test_business_customer_goes_to_business_desk(server: IvrServer) -> None:
    log = await call(server.port, caller_id=BUSINESS, keys=["3"])  # meter, but organisation
    # no previous reading on file for account 5: the reading prompt comes straight away
    assert log.played("last-reading-is") == 0 and log.played("enter-reading") == 1


async def test_business_customer_transfer(server: IvrServer) -> None:
    log = await call(server.port, caller_id=BUSINESS, keys=["0"])
    assert (log.variables["CCDESK_QUEUE"], log.variables["CCDESK_PRIORITY"]) == ("business", "5")


async def test_silence_is_retried_then_handed_to_operator(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=[SILENCE, SILENCE, SILENCE])
    assert log.played("main-menu") == 3 and log.played("no-input") == 3
    assert log.variables["CCDESK_QUEUE"] == "support"
    assert backend.sessions[0].path[-1] == "operator"


async def test_invalid_choice_is_retried(server: IvrServer) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["8", "1", "9"])
    assert log.played("invalid-input") == 1 and log.played("balance-is") == 1


async def test_caller_hangs_up_mid_menu_leaves_nothing_half_written(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["3", "12345"], hang_up_on_prompt="confirm-reading")
    assert log.caller_hung_up and log.closed_by_server
    # nothing after the hang-up but the check that it was one; no variables set on a dead channel
    assert log.commands[-1] == "CHANNEL STATUS"
    assert log.variables == {}
    assert backend.stored_readings == []
    (record,) = backend.sessions
    assert (record.outcome, record.hung_up, record.last_node) == (ABANDONED, True, "meter")


async def test_hang_up_while_a_prompt_plays(server: IvrServer, backend: MemoryBackend) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=[], hang_up_on_prompt="welcome")
    assert log.commands[-2:] == ['STREAM FILE welcome ""', "CHANNEL STATUS"]
    assert backend.sessions[0].path == ("welcome",)
    assert backend.sessions[0].hung_up

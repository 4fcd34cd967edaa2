"""Applications in the IVR, driven over a real TCP socket as Asterisk drives FastAGI: a call-back request and
a reading dispute are filed and the caller hears the number digit by digit; the caller keys a number and
hears its status, for a number that exists and one that does not."""

from __future__ import annotations

from ivr.memory_backend import MemoryBackend
from ivr.server import IvrServer
from ivr.values import SELF_SERVED

from .conftest import KNOWN, UNKNOWN
from .fake_asterisk import HANG_UP, call


async def test_a_callback_request_is_filed_as_an_application_and_its_number_is_said(
    server: IvrServer, backend: MemoryBackend
) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["5"])
    (task,) = backend.callbacks
    (filed,) = backend.filed
    assert (filed.type, filed.customer_id, filed.account_id, filed.phone) == ("callback_request", 10, 1, "+79001234567")
    assert filed.call_id == task.call_id
    assert log.prompts[-3:] == ["callback-registered", "application-number-is", "goodbye"]
    assert log.said == [f"digits:{filed.number}"] and log.script_hung_up
    assert backend.sessions[0].outcome == SELF_SERVED


async def test_a_callback_for_a_typed_number_files_the_application_with_that_number(
    server: IvrServer, backend: MemoryBackend
) -> None:
    log = await call(server.port, caller_id="", keys=["100200300", "5", "89161234567"])
    (filed,) = backend.filed
    assert filed.phone == "+79161234567" and log.said == [f"digits:{filed.number}"]


async def test_a_reading_dispute_is_filed_and_the_caller_hears_its_number_then_its_status(
    server: IvrServer, backend: MemoryBackend
) -> None:
    # the caller disputes, hears the number, goes back to the main menu and asks for that number's status
    first = await call(server.port, caller_id=KNOWN, keys=["7", HANG_UP])
    (filed,) = backend.filed
    assert (filed.type, filed.customer_id, filed.account_id) == ("meter_dispute", 10, 1)
    assert first.prompts[2:5] == ["dispute-filed", "application-number-is", "after-service"]
    assert first.said == [f"digits:{filed.number}"]
    assert backend.sessions[0].served == (f"filed:meter_dispute:{filed.number}",)

    again = await call(server.port, caller_id=KNOWN, keys=["4", filed.number, "9"])
    assert again.prompts[2:5] == ["enter-application", "application-status-is", "status-new"]


async def test_an_unidentified_caller_names_the_account_before_the_dispute_is_filed(
    server: IvrServer, backend: MemoryBackend
) -> None:
    log = await call(server.port, caller_id=UNKNOWN, keys=["100200300", "7", "9"])
    assert log.played("enter-account") == 1
    (filed,) = backend.filed
    assert (filed.customer_id, filed.account_id) == (10, 1)


async def test_the_status_of_a_number_that_does_not_exist_is_not_found(
    server: IvrServer, backend: MemoryBackend
) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["4", "269999999", HANG_UP])
    assert log.played("application-not-found") == 1 and log.played("application-status-is") == 0
    assert backend.filed == []

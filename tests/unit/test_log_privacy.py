"""Personal data stays out of the logs: phones, e-mails and SQL parameters are masked, the rest kept."""

from __future__ import annotations

import logging

import pytest

from web.log_privacy import PersonalDataFilter, mask


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("pop for +79161234567 failed", "pop for +7********67 failed"),
        ("caller 8 (916) 123-45-67 hung up", "caller 8********67 hung up"),
        ("no customer with 9161234567", "no customer with 9*******67"),
        ("mail ivan.petrov@example.ru bounced", "mail ***@example.ru bounced"),
        (
            "[SQL: UPDATE interactions SET notes=?]\n[parameters: ('Долг 5000, звонить вечером', 'c1')]",
            "[SQL: UPDATE interactions SET notes=?]\n[parameters: hidden]",
        ),
        ("2026-12-01 06:29:06 INFO ccdesk: started", "2026-12-01 06:29:06 INFO ccdesk: started"),
        ("call 1764570000.123 on PJSIP/1001-00000001", "call 1764570000.123 on PJSIP/1001-00000001"),
        ("listening on 127.0.0.1:8080", "listening on 127.0.0.1:8080"),
        ("account 1000000001 balance 12345", "account 1*******01 balance 12345"),
    ],
)
def test_personal_data_is_masked_and_the_rest_kept(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_a_traceback_with_sql_parameters_is_masked_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.privacy")
    caplog.handler.addFilter(PersonalDataFilter())
    try:
        raise RuntimeError("[parameters: ('+79161234567', 'Иванов Иван')]")
    except RuntimeError:
        logger.exception("card for %s not saved", "+79161234567")
    text = caplog.text
    assert "+7********67" in text and "[parameters: hidden]" in text
    assert "79161234567" not in text and "Иванов" not in text

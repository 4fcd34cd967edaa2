"""The customer's letters about an application: the receipt names the number, type, due date and the status
page; a status note goes out only for the statuses the customer is told about; an address from a card is used
only when it is one plain address."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from workstation.customer_letters import mail_address, receipt, status_note, status_page

DUE = datetime(2026, 12, 3, 18, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def test_the_receipt_names_number_type_due_date_and_how_to_check_the_status() -> None:
    subject, body = receipt("260000042", type_title="Перерасчёт", due_at=DUE, note=("Ваше письмо «Счёт» получено.",))
    assert subject == "Заявка 260000042 принята"
    assert "№ 260000042" in body and "Тип: Перерасчёт" in body and "Срок рассмотрения: до 03.12.2026 18:00" in body
    assert "/apply/status" in body and "Ваше письмо «Счёт» получено." in body


def test_a_receipt_without_a_due_time_leaves_the_line_out() -> None:
    _, body = receipt("260000042", type_title="Жалоба", due_at=None)
    assert "Срок" not in body


@pytest.mark.parametrize(
    ("status", "subject"),
    [
        ("waiting_customer", "Заявка 260000042: ожидает ответа от вас"),
        ("resolved", "Заявка 260000042: решена"),
        ("rejected", "Заявка 260000042: отклонена"),
        ("in_progress", None),
        ("new", None),
    ],
)
def test_the_customer_hears_of_waiting_and_closing_only(status: str, subject: str | None) -> None:
    letter = status_note("260000042", type_title="Жалоба", status=status, comment="  Сделано  ")
    assert (letter[0] if letter else None) == subject
    if letter:
        assert "Комментарий:\nСделано\n" in letter[1] and "/apply/status" in letter[1]


@pytest.mark.parametrize(
    ("value", "address"),
    [
        (" Client7@Example.RU ", "client7@example.ru"),
        ("a@b", None),
        ("a b@c.ru", None),
        ("a@b.ru\r\nBcc: x@y.ru", None),
        ("a@b.ru, c@d.ru", None),
        ("Иван <a@b.ru>", None),
        ("x@почта.рф", None),
        ("", None),
        (None, None),
    ],
)
def test_only_one_plain_address_is_written_to(value: str | None, address: str | None) -> None:
    assert mail_address(value) == address


def test_the_letters_link_to_the_public_sites_status_page_when_it_is_configured() -> None:
    assert status_page("") == "/apply/status"
    url = status_page("https://lk.example.ru/")
    assert url == "https://lk.example.ru/apply/status"
    assert url in receipt("260000042", type_title="Жалоба", due_at=None, status_url=url)[1]
    note = status_note("260000042", type_title="Жалоба", status="resolved", comment="", status_url=url)
    assert note is not None and url in note[1] and "Комментарий" not in note[1]

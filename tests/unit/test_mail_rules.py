"""The mail desk's pure rules: reading a message, finding an application number or account number, the type
from the subject, safe attachment names and the attachment policy."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from workstation.attachments import Attachment, AttachmentPolicy, safe_filename
from workstation.customer_letters import receipt
from workstation.mail_rules import (
    DEFAULT_KEYWORDS,
    MailIn,
    Unreadable,
    account_candidates,
    numbers_in_subject,
    read_message,
    receipt_note,
    type_for,
)

TYPES = ["meter_dispute", "complaint", "info_request"]


def raw(**headers: str) -> bytes:
    m = EmailMessage()
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("Текст письма")
    return bytes(m)


def test_a_plain_message_is_read_with_sender_subject_body_and_attachments() -> None:
    m = EmailMessage()
    m["From"], m["Subject"], m["Message-ID"] = "Иван <IVAN@Example.RU>", "Показания", "<1@x>"
    m.set_content("Прошу проверить")
    m.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="акт.pdf")
    parsed = read_message(bytes(m))
    assert isinstance(parsed, MailIn)
    assert (parsed.sender, parsed.subject, parsed.body, parsed.message_id) == (
        "ivan@example.ru",
        "Показания",
        "Прошу проверить",
        "<1@x>",
    )
    assert parsed.attachments == (Attachment(filename="акт.pdf", content_type="application/pdf", data=b"%PDF"),)


def test_an_html_only_message_is_read_as_text() -> None:
    m = EmailMessage()
    m["From"], m["Subject"] = "a@b.ru", "html"
    m.set_content("<p>Привет <script>x()</script><b>мир</b></p>", subtype="html")
    parsed = read_message(bytes(m))
    assert isinstance(parsed, MailIn) and "Привет" in parsed.body and "x()" not in parsed.body


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"Subject: hi\r\n\r\nno sender", "no sender"),
        (raw(From="not an address", Subject="x"), "no sender"),
        (b"From: a@b.ru\r\n\r\n", "nothing in it"),
    ],
)
def test_a_message_that_cannot_be_filed_says_why(message: bytes, reason: str) -> None:
    parsed = read_message(message)
    assert isinstance(parsed, Unreadable) and reason in parsed.reason


@pytest.mark.parametrize(
    ("subject", "numbers"),
    [
        ("Re: Заявка 260000012 принята", ("260000012",)),
        ("Re: Re: 260000012 и 260000013, 260000012", ("260000012", "260000013")),
        ("счёт 1234567890", ()),  # ten digits: an account, not an application
        ("тел. 89161234567", ()),
    ],
)
def test_application_numbers_in_a_subject(subject: str, numbers: tuple[str, ...]) -> None:
    assert numbers_in_subject(subject) == numbers


def test_account_candidates_come_from_the_subject_first_and_are_bounded() -> None:
    body = " ".join(str(100000 + i) for i in range(10))
    assert account_candidates("Лицевой счёт 55512345", body)[:2] == ("55512345", "100000")
    assert len(account_candidates("", body)) == 5


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Неверные ПОКАЗАНИЯ", "meter_dispute"),
        ("Жалоба на обслуживание", "complaint"),
        ("Рассрочка", "info_request"),  # payment_plan is not among TYPES: the default
        ("Вопрос", "info_request"),
    ],
)
def test_the_type_comes_from_a_subject_word_known_to_the_rules(subject: str, expected: str) -> None:
    assert type_for(subject, TYPES, "info_request", DEFAULT_KEYWORDS) == expected


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\акт.pdf", "акт.pdf"),
        ("a\x00b\nc.pdf", "a_b_c.pdf"),
        ("...", "attachment"),
        ("", "attachment"),
        ("x" * 300 + ".pdf", "x" * 200),
    ],
)
def test_a_sender_chosen_name_is_only_shown_and_made_safe(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (Attachment(filename="a.pdf", content_type="application/pdf", data=b"1" * 10), None),
        (Attachment(filename="a.pdf", content_type="application/pdf", data=b"1" * 11), "attachment_too_large"),
        (Attachment(filename="a.exe", content_type="application/x-msdownload", data=b"1"), "attachment_type"),
        (Attachment(filename="a.pdf", content_type="application/pdf", data=b""), "attachment_empty"),
    ],
)
def test_the_attachment_policy(item: Attachment, problem: str | None) -> None:
    assert AttachmentPolicy(max_bytes=10).problem(item) == problem


def test_the_receipt_carries_the_number_in_its_subject_so_a_reply_finds_the_application() -> None:
    note = receipt_note(subject="Плохо", refused=("a.exe",))
    subject, body = receipt("260000042", type_title="Жалоба", due_at=None, note=note)
    assert numbers_in_subject(f"Re: {subject}") == ("260000042",)
    assert "260000042" in body and "a.exe" in body

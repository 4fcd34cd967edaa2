"""The letters a customer gets about their application, as (subject, body): the receipt when it is filed (any
channel), and a short note when a department closes it or waits for the customer. Pure: the caller gives the
times already in the calendar's zone, and queues the letter (workstation/customer_mail.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

STATUS_PAGE = "/apply/status"


def status_page(public_url: str) -> str:
    """The status page's address for a letter: on the public site when its address is configured."""
    return public_url.rstrip("/") + STATUS_PAGE if public_url else STATUS_PAGE


# The statuses the customer is told about, and how the letter names them.
TOLD_STATUSES = {
    "waiting_customer": "ожидает ответа от вас",
    "resolved": "решена",
    "rejected": "отклонена",
}

# One plain ASCII address: no display name, no space or line break (nothing that could fold a header), no
# internationalised part a relay may refuse. A value from the customer card that is not one (a typo, two
# addresses) gets no letter rather than a letter that stalls the outbox.
_NO = r"[^\s@<>,;:\"()\[\]\\]"
_ADDRESS = re.compile(rf"{_NO}+@{_NO}+\.{_NO}*[^\s@<>,;:\"()\[\]\\.]")


def mail_address(value: str | None) -> str | None:
    """The address in a lower-case, checked form; None when it is not one address."""
    address = (value or "").strip().lower()
    return address if len(address) <= 254 and address.isascii() and _ADDRESS.fullmatch(address) else None


def _how_to_check(number: str, status_url: str) -> list[str]:
    return [
        f"Статус заявки можно узнать по её номеру {number} на сайте: {status_url}",
        "(нужны номер лицевого счёта и телефон или e-mail, указанные в договоре),",
        "или по телефону в голосовом меню.",
    ]


def receipt(
    number: str,
    *,
    type_title: str,
    due_at: datetime | None,
    note: Sequence[str] = (),
    status_url: str = STATUS_PAGE,
) -> tuple[str, str]:
    """The receipt: number, type, due date and how to check the status. `note`: lines the channel adds (the
    e-mail channel: what the letter was about, refused attachments, how to answer)."""
    body = [
        "Здравствуйте!",
        "",
        f"Ваша заявка № {number} зарегистрирована.",
        f"Тип: {type_title}",
    ]
    if due_at is not None:
        body.append(f"Срок рассмотрения: до {due_at:%d.%m.%Y %H:%M}")
    if note:
        body += ["", *note]
    body += ["", *_how_to_check(number, status_url)]
    return f"Заявка {number} принята", "\n".join(body) + "\n"


def status_note(
    number: str, *, type_title: str, status: str, comment: str, status_url: str = STATUS_PAGE
) -> tuple[str, str] | None:
    """The note on a status change; None for a status the customer is not written about."""
    label = TOLD_STATUSES.get(status)
    if label is None:
        return None
    body = ["Здравствуйте!", "", f"Заявка № {number} ({type_title}) {label}."]
    if comment.strip():
        body += ["", "Комментарий:", comment.strip()]
    if status == "waiting_customer":
        body += ["", "Пожалуйста, свяжитесь с нами и назовите номер заявки."]
    body += ["", *_how_to_check(number, status_url)]
    return f"Заявка {number}: {label}", "\n".join(body) + "\n"

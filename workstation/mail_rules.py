"""Reading an e-mail for the applications desk (pure): who wrote, about what, which application it answers,
which type it is, and the receipt that goes back. No I/O: mail_intake.py does the storing."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from .attachments import Attachment

TEXT_LIMIT = 20_000  # characters of the body kept in the application's text
# the number workstation gives an application: two digits of the year, seven of the id (crm_store)
APPLICATION_NUMBER = re.compile(r"(?<!\d)(\d{9})(?!\d)")
ACCOUNT_CANDIDATE = re.compile(r"(?<!\d)(\d{6,12})(?!\d)")
ACCOUNT_CANDIDATES = 5  # numbers looked up as account numbers, at most, per message
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# subject words (lower case, stems) -> application type; only types the rules define are used
DEFAULT_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("показан", "meter_dispute"),
    ("замен", "meter_replacement"),
    ("подключ", "reconnection"),
    ("рассроч", "payment_plan"),
    ("перерасч", "recalculation"),
    ("жалоб", "complaint"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MailIn:
    sender: str  # the address only, lower case
    subject: str
    body: str
    message_id: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Unreadable:
    reason: str


def read_message(raw: bytes) -> MailIn | Unreadable:
    """The parts the desk needs, or why the message cannot be taken as an application."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        sender = parseaddr(str(msg.get("From", "")))[1].strip().lower()
        subject = " ".join(str(msg.get("Subject", "")).split())
        message_id = str(msg.get("Message-ID", "")).strip()
        body_part = msg.get_body(preferencelist=("plain", "html"))
        body = body_part.get_content() if body_part is not None else ""
        if body_part is not None and body_part.get_content_type() == "text/html":
            body = _strip_html(body)
        attachments = tuple(
            Attachment(
                filename=part.get_filename() or "",
                content_type=part.get_content_type(),
                data=_payload(part),
            )
            for part in msg.iter_attachments()
            if isinstance(part, EmailMessage) and not part.is_multipart()
        )
    except Exception as exc:  # the e-mail package raises many kinds on broken input: all mean "unreadable"
        return Unreadable(reason=f"cannot parse: {type(exc).__name__}: {exc}"[:500])
    if not _ADDRESS.match(sender):
        return Unreadable(reason="no sender address (From)")
    if not subject and not body.strip() and not attachments:
        return Unreadable(reason="nothing in it: no subject, text or attachment")
    return MailIn(sender=sender, subject=subject, body=body.strip(), message_id=message_id, attachments=attachments)


def _payload(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _strip_html(html: str) -> str:
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", html)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return re.sub(r"[ \t]+", " ", text)


def numbers_in_subject(subject: str) -> tuple[str, ...]:
    """Application numbers a reply may carry ("Re: Заявка 260000012 принята")."""
    return tuple(dict.fromkeys(APPLICATION_NUMBER.findall(subject)))


def account_candidates(subject: str, body: str) -> tuple[str, ...]:
    """Digit runs that may be an account number: the subject's first, then the body's."""
    found = ACCOUNT_CANDIDATE.findall(subject) + ACCOUNT_CANDIDATE.findall(body[:TEXT_LIMIT])
    return tuple(dict.fromkeys(found))[:ACCOUNT_CANDIDATES]


def type_for(subject: str, known: Sequence[str], default: str, keywords: Sequence[tuple[str, str]]) -> str:
    """The first keyword found in the subject names the type (if the rules have it); else the default."""
    words = subject.lower().replace("ё", "е")
    for stem, app_type in keywords:
        if stem in words and app_type in known:
            return app_type
    return default


def application_text(mail: MailIn, *, matched: bool, refused: Sequence[str]) -> str:
    lines = [f"E-mail от {mail.sender}"]
    if not matched:
        lines.append("Отправитель не найден в базе: клиента нужно определить.")
    lines.append(f"Тема: {mail.subject}")
    if refused:
        lines.append("Не приняты вложения: " + ", ".join(refused))
    return "\n".join(lines) + "\n\n" + mail.body[:TEXT_LIMIT]


def comment_text(mail: MailIn, *, kept: int, refused: Sequence[str]) -> str:
    head = f"E-mail от {mail.sender}: {mail.subject}"
    if kept:
        head += f" (вложений: {kept})"
    if refused:
        head += "; не приняты: " + ", ".join(refused)
    return head + "\n\n" + mail.body[:TEXT_LIMIT]


def receipt_note(*, subject: str, refused: Sequence[str]) -> tuple[str, ...]:
    """What the e-mail channel adds to the receipt (workstation/customer_letters.py): the letter it answers, how a
    reply reaches the application, and the attachments not taken."""
    note = [
        f"Ваше письмо «{subject[:200]}» получено.",
        "Чтобы дополнить заявку, ответьте на это письмо: номер заявки должен остаться в теме.",
    ]
    if refused:
        note.append("Не приняты вложения (тип или размер не подходят): " + ", ".join(refused))
    return tuple(note)


def type_titles(types: Mapping[str, object]) -> dict[str, str]:
    return {name: str(getattr(t, "title", name)) for name, t in types.items()}

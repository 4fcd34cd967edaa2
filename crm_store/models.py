"""The database schema: every table the contact center keeps, as SQLAlchemy 2 mapped classes.

Money is stored in kopecks (integers) so sums are exact on SQLite and PostgreSQL alike.
Times are aware UTC datetimes (`UtcDateTime`). Repositories turn rows into plain dataclasses;
the rest of the code never holds one of these objects.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from . import lengths
from .base import Base, BigId, UtcDateTime, utcnow


class Queue(Base):
    """An Asterisk queue or an application department queue."""

    __tablename__ = "queues"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="call")  # call | department


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))  # operator | supervisor | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    extension: Mapped[str | None] = mapped_column(String(32))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    queues: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    department: Mapped[str | None] = mapped_column(String(64))  # a department user's department queue


class Customer(Base):
    """A person or an organisation that holds accounts."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="individual")  # individual | organisation
    full_name: Mapped[str] = mapped_column(String(300))
    # Lower-cased, ё→е: the form searches compare against, so the index serves prefix search.
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    inn: Mapped[str | None] = mapped_column(String(12))
    email: Mapped[str | None] = mapped_column(String(200))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    paper_bill: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ContactPerson(Base):
    """Someone who speaks for an organisation customer."""

    __tablename__ = "contact_persons"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(200))


class Phone(Base):
    __tablename__ = "phones"
    __table_args__ = (UniqueConstraint("customer_id", "e164"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="mobile")  # mobile | home | work | other
    raw: Mapped[str] = mapped_column(String(64), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class Account(Base):
    """A personal account (лицевой счёт): where the balance, debt, payments and meters live."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    address: Mapped[str] = mapped_column(String(400), default="")
    address_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    region: Mapped[str] = mapped_column(String(64), default="")
    tariff: Mapped[str] = mapped_column(String(64), default="")
    balance_kop: Mapped[int] = mapped_column(BigId, default=0)
    debt_kop: Mapped[int] = mapped_column(BigId, default=0)
    debt_since: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disconnected | closed
    opened_on: Mapped[date | None] = mapped_column(Date)


Index("ix_accounts_debt", Account.debt_kop)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_account_paid", "account_id", "paid_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_kop: Mapped[int] = mapped_column(BigId)
    method: Mapped[str] = mapped_column(String(32), default="bank")


class MeterReading(Base):
    __tablename__ = "meter_readings"
    __table_args__ = (Index("ix_meter_readings_account_taken", "account_id", "taken_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    meter: Mapped[str] = mapped_column(String(32), default="electricity")
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    value: Mapped[int] = mapped_column(BigId)
    source: Mapped[str] = mapped_column(String(16), default="customer")  # customer | ivr | operator | web | inspector


class Adjustment(Base):
    """A correction of an account's balance (recalculation, penalty, write-off)."""

    __tablename__ = "adjustments"
    __table_args__ = (Index("ix_adjustments_account_made", "account_id", "made_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_kop: Mapped[int] = mapped_column(BigId)
    reason: Mapped[str] = mapped_column(String(300), default="")


class Interaction(Base):
    """A call card: one per call (answered, abandoned, IVR-only, outbound) or other contact."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_customer_offered", "customer_id", "offered_at"),
        Index("ix_interactions_caller_offered", "caller_number", "offered_at"),
        Index("ix_interactions_callback", "callback_status", "offered_at"),
        Index("ix_interactions_offered", "offered_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(16), default="inbound")  # inbound | outbound
    channel: Mapped[str] = mapped_column(String(16), default="phone")  # phone | ivr | web | email
    caller_number: Mapped[str | None] = mapped_column(String(32))
    called_number: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    agent_interface: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="offered")  # offered|ivr|queued|ringing|talking|ended
    outcome: Mapped[str | None] = mapped_column(String(16))  # answered|abandoned|ivr_only|no_answer|busy|failed
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    ivr_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    ivr_identified: Mapped[str | None] = mapped_column(String(64))
    self_served: Mapped[bool] = mapped_column(Boolean, default=False)
    routing_queue: Mapped[str | None] = mapped_column(String(64))
    routing_reason: Mapped[str | None] = mapped_column(String(300))
    transferred_to: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_status: Mapped[str | None] = mapped_column(String(16))  # pending | done | cancelled
    campaign_attempt_id: Mapped[int | None] = mapped_column(BigId)


class Application(Base):
    """An electronic application (request) filed by a customer through any channel."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_customer_status", "customer_id", "status"),
        # The department's work list and the escalation check: open ones of a department by due time.
        Index("ix_applications_department_status_due", "department_queue", "status", "due_at"),
        Index("ix_applications_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16), default="phone")  # phone | ivr | web | email
    status: Mapped[str] = mapped_column(String(24), default="new")
    department_queue: Mapped[str | None] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # the type's form fields, validated
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when supervisors were told


class ApplicationStatusChange(Base):
    __tablename__ = "application_status_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    department_queue: Mapped[str | None] = mapped_column(String(64))  # set when the change moved it there


class ApplicationAttachment(Base):
    """A file sent with an application, kept in the database: no path on disk a sender could choose."""

    __tablename__ = "application_attachments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  # as sent, for display only
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApplicationInteraction(Base):
    """Which call cards touched which application."""

    __tablename__ = "application_interactions"
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Task(Base):
    """Something to do later: a call-back, a follow-up call after an application closes."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="callback")  # callback | follow_up
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | cancelled
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    queue: Mapped[str | None] = mapped_column(String(64))  # whose call-back list shows it (operators' queue)


class Campaign(Base):
    """An outbound debtor campaign; pacing and limits are read by dialer/."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    queue: Mapped[str] = mapped_column(String(64))
    pacing: Mapped[str] = mapped_column(String(16), default="preview")  # preview|progressive|predictive
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|running|paused|finished
    window_start: Mapped[str] = mapped_column(String(5), default="09:00")  # debtor's local time
    window_end: Mapped[str] = mapped_column(String(5), default="20:00")
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_minutes: Mapped[int] = mapped_column(Integer, default=60)
    abandon_cap_pct: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # issue 12: the rest of a campaign's settings (dialer/settings.py turns them into a compliance Policy)
    dayoff_start: Mapped[str] = mapped_column(String(5), default="09:00")
    dayoff_end: Mapped[str] = mapped_column(String(5), default="20:00")
    rule_set: Mapped[str] = mapped_column(String(32), default="ru_230fz")
    number_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    caller_id: Mapped[str] = mapped_column(String(32), default="")
    creditor: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    dial_level: Mapped[int] = mapped_column(Integer, default=100)  # % of the predictive estimate
    preview_seconds: Mapped[int] = mapped_column(Integer, default=30)
    preview_on_timeout: Mapped[str] = mapped_column(String(8), default="dial")  # dial | skip
    source: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # the filters or the file it came from
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CampaignTarget(Base):
    """One debtor in one campaign, with where the dialer is with them."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "account_id"),
        Index("ix_campaign_targets_next", "campaign_id", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|in_progress|reached|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    # issue 12: the dialer's state of the debtor (dialer/debtor.py Debtor), kept between attempts
    region: Mapped[str] = mapped_column(String(64), default="")
    debt_kop: Mapped[int] = mapped_column(BigId, default=0)
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed: Mapped[str | None] = mapped_column(String(24))  # the closing disposition
    last_result: Mapped[str | None] = mapped_column(String(24))
    reached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CallAttempt(Base):
    __tablename__ = "call_attempts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("campaign_targets.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # answered|busy|no_answer|failed|abandoned
    disposition: Mapped[str | None] = mapped_column(String(24))  # reached|promise|wrong_number|refused|...
    promise_amount_kop: Mapped[int | None] = mapped_column(BigId)
    promise_date: Mapped[date | None] = mapped_column(Date)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # issue 12
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(20), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    agent_interface: Mapped[str | None] = mapped_column(String(64))
    recording: Mapped[str | None] = mapped_column(String(160))
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Promise(Base):
    """A promise to pay given on a campaign call; checked against later payments (kept or broken)."""

    __tablename__ = "promises"
    __table_args__ = (Index("ix_promises_customer_status", "customer_id", "status"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    amount_kop: Mapped[int] = mapped_column(BigId)
    promised_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | kept | broken
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WrongNumber(Base):
    """A number an operator found not to be the debtor's: never dialled for that customer again."""

    __tablename__ = "wrong_numbers"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    e164: Mapped[str] = mapped_column(String(20), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReminderMessage(Base):
    """A reminder (SMS or the recorded abandon message): the embedded default writes them here."""

    __tablename__ = "reminder_outbox"
    __table_args__ = (Index("ix_reminder_outbox_customer_at", "customer_id", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    e164: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16), default="sms")  # sms | voice
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sent


class DoNotCall(Base):
    __tablename__ = "do_not_call"
    e164: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_user", "user_id", "at"),  # the admin console searches by user and period
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class WebSession(Base):
    """A signed-in browser: the cookie holds the id, so logout and expiry take effect on the server."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    # The last request seen with this session (kept to the minute): an idle session ends. NULL: never
    # touched since login, which is created_at.
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DeskPhone(Base):
    """A phone an operator may sign in at. Admins keep this registry (`ccdesk phone add`): a phone owned by
    one user is theirs alone; a phone with no owner is a shared (hot-desk) phone any operator may use. An
    extension that is not registered (a bot, another department's phone) is no one's to sign in at."""

    __tablename__ = "desk_phones"
    extension: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class KnowledgeArticle(Base):
    """An answer operators look up during a call; supervisors edit them."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str | None] = mapped_column(String(64), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")  # search_key(title + body + tags)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OfferResponse(Base):
    """What a customer answered to an offer made during a call (payment plan, e-billing, …)."""

    __tablename__ = "offer_responses"
    __table_args__ = (Index("ix_offer_responses_customer_offer", "customer_id", "offer_code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    offer_code: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(String(16))  # accepted | declined | later
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")


# ------------------------------------------------------------------ applications by e-mail (migration 0008)


class MailMessage(Base):
    """Every message the mail channel took in, once (`key` is unique: Message-ID or IMAP UIDVALIDITY:UID), and
    what became of it. A message that could not be read keeps its raw bytes here for a person to look at."""

    __tablename__ = "mail_messages"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # smtp | imap
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # filed | comment | quarantined
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    unmatched: Mapped[bool] = mapped_column(Boolean, default=False)  # filed with no customer found
    error: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # kept only when quarantined


class MailboxState(Base):
    """The last IMAP UID stored per mailbox and UIDVALIDITY: a restarted reader goes on after it."""

    __tablename__ = "mailbox_state"
    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    uid_validity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)


class OutboxMessage(Base):
    """A letter to a customer (the receipt with the application's number, a note on its status). `sent_at` is
    set once an SMTP relay took it; with no relay configured the outbox is where it stays, visible to
    supervisors."""

    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str] = mapped_column(Text, default="")


class AgentStateInterval(Base):
    """A stretch of time an operator's phone spent signed in and ready, or paused with a reason (after-call
    work is the pause `after_call_work`), folded from the PBX's member events (workstation/agent_states.py):
    the reports' pauses, wrap-up and occupancy. `ended_at` NULL: still going on."""

    __tablename__ = "agent_state_intervals"
    __table_args__ = (
        Index("ix_agent_state_intervals_started", "started_at"),
        Index("ix_agent_state_intervals_agent_ended", "agent", "ended_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))  # the member interface, as on the call cards
    state: Mapped[str] = mapped_column(String(16))  # ready | paused
    reason: Mapped[str | None] = mapped_column(String(64))  # the pause reason ("" when none was given)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# The reports' indexes (migration 0004): the abandoned calls of a period in order, applications and campaign
# attempts by period.
Index("ix_interactions_outcome_offered", Interaction.outcome, Interaction.offered_at)
Index("ix_applications_created_at", Application.created_at)
Index("ix_call_attempts_started_at", CallAttempt.started_at)


lengths.install(Base)  # an over-long text is a clear error on SQLite and PostgreSQL alike


class BookVersion(Base):
    """A version of one of the four books (routing rules, IVR menu, offers, talk scripts) an admin uploaded
    in the console. The newest of a kind is in force, also after a restart; the configured file is the
    fallback. Old versions stay: they are the history of who changed the rules and when."""

    __tablename__ = "book_versions"
    __table_args__ = (Index("ix_book_versions_kind", "kind", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # rules | menu | offers | scripts
    source: Mapped[str] = mapped_column(String(200))  # the uploaded file's name, as errors name it
    text: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

"""The data the IVR needs, as a Protocol: the store backend implements it on crm_store, tests on dicts.

Every call is one unit of work. Writers (`store_reading`, `request_callback`, `record_session`) commit
one transaction each, so a caller who hangs up mid-menu leaves either the whole step or nothing.
Implementations raise `ivr.errors.BackendError` (or any exception, which the session treats the same
way): the caller is then handed to an operator rather than left in silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .values import (
    AccountInfo,
    ApplicationInfo,
    Balance,
    CallbackInfo,
    FiledApplication,
    IvrSessionRecord,
    PaymentInfo,
    ReadingInfo,
    ReadingVerdict,
)


class ApplicationFiler(Protocol):
    """The applications' filing service (workstation's), as the store backend uses it: it routes the
    application to its department and gives it a number."""

    async def file(
        self,
        *,
        customer_id: int | None,
        account_id: int | None,
        type: str,
        text: str,
        channel: str,
    ) -> tuple[int, str]: ...


class IvrBackend(Protocol):
    async def accounts_by_phone(self, e164: str) -> Sequence[AccountInfo]:
        """Every account of every customer who has this number (empty when unknown)."""

    async def account_by_number(self, number: str) -> AccountInfo | None:
        """The account with this personal account number, as typed on the keypad."""

    async def balance(self, account_id: int) -> Balance: ...

    async def last_payment(self, account_id: int) -> PaymentInfo | None: ...

    async def last_reading(self, account_id: int, meter: str) -> ReadingInfo | None: ...

    async def store_reading(
        self,
        *,
        account_id: int,
        meter: str,
        value: int,
        max_increase: int,
        at: datetime,
        call_id: str,
    ) -> ReadingVerdict:
        """Check plausibility against the latest stored reading and store it, in one transaction."""

    async def application_status(self, number: str) -> ApplicationInfo | None: ...

    async def request_callback(
        self,
        *,
        call_id: str,
        phone: str,
        customer_id: int | None,
        account_id: int | None,
        topic: str,
        at: datetime,
    ) -> CallbackInfo:
        """Create a call-back task for the operators."""

    async def file_application(
        self,
        *,
        call_id: str,
        type: str,
        customer_id: int | None,
        account_id: int | None,
        phone: str | None,
        text: str,
        at: datetime,
    ) -> FiledApplication:
        """File an application (channel ivr) linked to this call; its number is said to the caller."""

    async def record_session(self, record: IvrSessionRecord) -> None:
        """Write the IVR session onto the call card (created if the CTI side has not yet)."""

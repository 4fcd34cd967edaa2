"""The real app with the mail channel on: the SMTP listener on a free loopback port, replies kept in the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_store.models import Account, Customer
from tests.serving import Running, prepare_database, settings_for_test, start

DESK = "zayavki@ccdesk.test"
MESSAGE_LIMIT = 300_000  # bytes: small, so a "huge" message is cheap to send


@pytest.fixture
async def mail_server(tmp_path: Path) -> AsyncIterator[Running]:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=30)
    settings = settings_for_test(
        tmp_path,
        url,
        mail_address=DESK,
        mail_smtp_listen="127.0.0.1:0",
        mail_message_max_bytes=MESSAGE_LIMIT,
        mail_attachment_max_bytes=100_000,
    )
    running = await start(settings)
    yield running
    await running.stop()


async def a_customer_with_email(running: Running) -> tuple[int, str, str]:
    """(customer id, e-mail on file, one of their account numbers)."""
    async with running.db.read_session() as s:
        row = (
            await s.execute(
                select(Customer.id, Customer.email, Account.number)
                .join(Account, Account.customer_id == Customer.id)
                .where(Customer.email.is_not(None))
                .order_by(Customer.id)
                .limit(1)
            )
        ).one()
    return row.id, row.email, row.number

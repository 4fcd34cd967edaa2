from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crm_store import applications, customers, interactions
from crm_store.demo import DemoSpec, generate
from crm_store.importer import import_file
from crm_store.pop import screen_pop

pytestmark = pytest.mark.postgres


async def test_rows_created_after_demo_data_get_ids_of_their_own(db, tmp_path: Path) -> None:
    """Demo rows carry explicit ids; what is created afterwards, one by one or imported, must not collide."""
    await generate(db, DemoSpec(customers=30, seed=3, as_of=date(2026, 11, 1)))
    cid = await customers.create_customer(db, full_name="После Демо", phones=["9037770011"], account_number="D-1")
    card = await interactions.open_call_card(db, call_id="after-demo", offered_at=datetime.now(UTC), customer_id=cid)
    app = await applications.file_application(
        db, type="complaint", text="t", channel="phone", customer_id=cid, interaction_id=card
    )
    assert app.status == "new"
    path = tmp_path / "c.csv"
    path.write_text("ФИО;Лицевой счёт;Телефон\nИмпорт После Демо;D-2;9037770022\n", encoding="utf-8")
    assert (await import_file(db, "customers", path)).inserted == 1
    (pop,) = await screen_pop(db, "9037770022")
    assert pop.customer.full_name == "Импорт После Демо" and pop.customer.id > cid

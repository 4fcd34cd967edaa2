"""Campaign storage: lists by filters and from a file, control, attempts, dispositions, promises, progress."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from crm_store import campaign_calls as calls
from crm_store import campaign_reports as reports
from crm_store import campaigns
from crm_store.demo import DemoSpec, generate
from crm_store.errors import Conflict

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


async def _campaign(db, name: str = "Долги ноября") -> campaigns.CampaignRecord:
    await generate(db, DemoSpec(customers=60, seed=5, as_of=date(2026, 11, 1)))
    return await campaigns.create_campaign(db, name=name, queue="debt", pacing="progressive", creditor="ЭнергоСбыт")


async def test_a_list_built_by_filters_holds_only_debtors_with_a_phone(db) -> None:
    c = await _campaign(db)
    built = await campaigns.build_list(db, c.id, campaigns.ListFilter(min_debt_kop=100_00), date(2026, 11, 3))
    assert built.added > 0
    again = await campaigns.build_list(db, c.id, campaigns.ListFilter(min_debt_kop=100_00), date(2026, 11, 3))
    assert again.added == 0  # nobody twice
    due = await calls.due_debtors(db, c.id, NOW, limit=1000)
    assert len(due) == built.added
    assert all(d.numbers and d.number for d in due)
    progress = await reports.progress(db, c.id)
    assert (progress.total, progress.dialled, progress.reached) == (built.added, 0, 0)


async def test_a_list_imported_from_a_file_reports_its_broken_rows(db, tmp_path: Path) -> None:
    c = await _campaign(db)
    built = await campaigns.build_list(db, c.id, campaigns.ListFilter(min_debt_kop=1), date(2026, 11, 3))
    some = (await reports.not_reached(db, c.id))[:2]
    other = await campaigns.create_campaign(db, name="Из файла", queue="debt")
    path = tmp_path / "list.csv"
    path.write_text(f"Лицевой счёт;x\n{some[0].account};1\n;2\nNOPE-1;3\n{some[1].account};4\n", encoding="utf-8")
    result = await campaigns.import_list(db, other.id, path, file_name="list.csv")
    assert built.added >= 2 and result.added == 2
    assert [(p.row, p.message) for p in result.problems] == [(3, "no account number"), (4, "no account NOPE-1")]


async def test_campaign_control_moves_only_from_the_right_status(db) -> None:
    c = await _campaign(db)
    assert (await campaigns.move(db, c.id, "start")).status == "running"
    with pytest.raises(Conflict):
        await campaigns.move(db, c.id, "resume")
    assert (await campaigns.move(db, c.id, "pause")).status == "paused"
    assert (await campaigns.move(db, c.id, "resume")).status == "running"
    changed = await campaigns.change_settings(db, c.id, {"dial_level": 80, "abandon_cap_pct": 2})
    assert (changed.dial_level, changed.abandon_cap_pct) == (80, 2)
    with pytest.raises(ValueError):
        await campaigns.change_settings(db, c.id, {"queue": "support"})
    assert (await campaigns.move(db, c.id, "stop")).status == "finished"
    assert [r.id for r in await campaigns.running_campaigns(db)] == []


async def test_attempts_dispositions_promises_and_wrong_numbers_are_stored(db) -> None:
    c = await _campaign(db)
    await campaigns.build_list(db, c.id, campaigns.ListFilter(), date(2026, 11, 3))
    first = (await calls.due_debtors(db, c.id, NOW, limit=1))[0]
    number = first.number or ""
    attempt = await calls.open_attempt(db, target_id=first.target_id, call_id="dlr-1", e164=number, started_at=NOW)
    assert await calls.due_debtors(db, c.id, NOW, limit=1000) != [] and first.target_id not in {
        d.target_id for d in await calls.due_debtors(db, c.id, NOW, limit=1000)
    }
    await calls.finish_attempt(db, attempt, outcome="answered", ended_at=NOW + timedelta(minutes=2), talk_seconds=100)
    promised = await calls.dispose(
        db, attempt, disposition="promise_to_pay", by_user_id=None, amount_kop=500_00, promised_on=date(2026, 11, 10)
    )
    assert (promised.outcome, promised.disposition, promised.promise_amount_kop) == (
        "answered",
        "promise_to_pay",
        500_00,
    )
    assert [p.status for p in await calls.promises_of(db, first.customer_id)] == ["pending"]
    await calls.save_debtor_state(
        db, first.target_id, next_attempt_at=None, number=number, closed=None, callback_at=None, exhausted=False
    )
    again = await calls.debtor(db, first.target_id, NOW)
    assert again.promised_on == date(2026, 11, 10) and again.attempts == 1
    assert [(h.talked, h.reminder) for h in again.history] == [(True, False)]
    # a wrong number is remembered for the customer
    await calls.dispose(db, attempt, disposition="wrong_number", by_user_id=None)
    assert [n.wrong for n in (await calls.debtor(db, first.target_id, NOW)).numbers if n.e164 == number] == [True]
    progress = await reports.progress(db, c.id)
    assert (progress.dialled, progress.reached, progress.promises, progress.promised_kop) == (1, 1, 1, 500_00)
    # the promise is broken: no payment came
    assert await calls.settle_promises(db, date(2026, 11, 20)) == (0, 1)


async def test_do_not_call_outbox_and_recording_purge(db) -> None:
    c = await _campaign(db)
    await calls.add_do_not_call(db, "+79161234567", "просил не звонить")
    assert await calls.do_not_call_numbers(db) == frozenset({"+79161234567"})
    assert [e.reason for e in await calls.list_do_not_call(db)] == ["просил не звонить"]
    assert await calls.remove_do_not_call(db, "+79161234567")
    await campaigns.build_list(db, c.id, campaigns.ListFilter(), date(2026, 11, 3))
    first = (await calls.due_debtors(db, c.id, NOW, limit=1))[0]
    await calls.queue_reminder(
        db, customer_id=first.customer_id, campaign_id=c.id, e164="+79161234567", kind="voice", text="x", at=NOW
    )
    assert [(m.kind, m.status) for m in await calls.outbox(db)] == [("voice", "queued")]
    attempt = await calls.open_attempt(
        db, target_id=first.target_id, call_id="dlr-2", e164="+79161234567", started_at=NOW
    )
    await calls.note_recording(db, attempt, "dlr-2.wav", NOW)
    assert await calls.purge_recordings(db, NOW) == []
    assert await calls.purge_recordings(db, NOW + timedelta(days=1)) == ["dlr-2.wav"]
    assert (await calls.get_attempt(db, attempt)).recording is None


async def test_a_list_by_region_takes_the_region_as_people_type_it(db) -> None:
    c = await _campaign(db)
    async with db.read_session() as s:
        from sqlalchemy import select

        from crm_store.models import Account

        region = await s.scalar(select(Account.region).where(Account.debt_kop > 0, Account.region != "").limit(1))
    built = await campaigns.build_list(db, c.id, campaigns.ListFilter(region=region.upper()), date(2026, 11, 3))
    assert built.added > 0
    assert {d.region for d in await calls.due_debtors(db, c.id, NOW, limit=1000)} == {region}

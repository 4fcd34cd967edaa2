from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm_store.errors import ImportFailed
from crm_store.importer import import_file
from crm_store.importer.run import write_error_report
from crm_store.models import Account, Customer, Phone
from crm_store.pop import screen_pop

pytestmark = pytest.mark.postgres

GOOD = """ФИО;Лицевой счёт;Телефон;Адрес;Сумма долга
Иванов Иван Иванович;1000000001;8 (495) 123-45-67;г. Москва, ул. Ленина, д. 1;1 234,50
Петрова Анна Сергеевна;1000000002;+7 916 1234567, 9031234567;г. Казань, ул. Мира, д. 2;0
ООО «Ромашка»;1000000003;9161112233;г. Тверь;
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


async def _counts(db) -> tuple[int, int, int]:
    async with db.read_session() as s:
        return (
            await s.scalar(select(func.count()).select_from(Customer)),
            await s.scalar(select(func.count()).select_from(Phone)),
            await s.scalar(select(func.count()).select_from(Account)),
        )


async def test_good_rows_are_inserted_with_normalised_phones(db, tmp_path) -> None:
    summary = await import_file(db, "customers", _write(tmp_path, "c.csv", GOOD))
    assert (summary.rows, summary.inserted, summary.rejected) == (3, 3, 0)
    assert await _counts(db) == (3, 4, 3)
    (pop,) = await screen_pop(db, "+74951234567")
    assert pop.customer.full_name == "Иванов Иван Иванович" and pop.accounts[0].debt_kop == 123450


async def test_a_rerun_of_the_same_file_changes_nothing(db, tmp_path) -> None:
    path = _write(tmp_path, "c.csv", GOOD)
    await import_file(db, "customers", path)
    again = await import_file(db, "customers", path)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 3)
    assert await _counts(db) == (3, 4, 3)


async def test_existing_customers_are_matched_by_account_then_phone_and_updated(db, tmp_path) -> None:
    await import_file(db, "customers", _write(tmp_path, "c.csv", GOOD))
    changes = (
        "full_name,account,phone,address\n"
        "Иванов Иван Иванович,1000000001,,г. Москва, ул. Ленина, д. 1, кв. 5\n"  # by account: new address
        "Петрова Анна Сергеевна (новая фамилия),,8 916 123-45-67,\n"
    )  # by phone: new name
    summary = await import_file(db, "customers", _write(tmp_path, "u.csv", changes))
    assert (summary.inserted, summary.updated, summary.rejected) == (0, 2, 0), summary.errors
    assert await _counts(db) == (3, 4, 3)
    (pop,) = await screen_pop(db, "9031234567")
    assert pop.customer.full_name == "Петрова Анна Сергеевна (новая фамилия)"


async def test_bad_rows_are_reported_with_row_column_and_reason_and_good_rows_still_land(db, tmp_path) -> None:
    text = (
        "ФИО;Лицевой счёт;Телефон;Email\n"
        "Хороший Клиент;2000000001;9161230000;ok@example.ru\n"
        ";2000000002;9161230001;\n"  # no name
        "Без Телефона;;;\n"  # nothing to identify
        "Плохой Номер;2000000003;123;\n"
        "Плохая Почта;2000000004;9161230002;not-an-email\n"
        "Ещё Хороший;2000000005;;\n"
    )
    summary = await import_file(db, "customers", _write(tmp_path, "bad.csv", text))
    assert (summary.inserted, summary.rejected) == (2, 4)
    assert [(e.row, e.column) for e in summary.errors] == [(3, "full_name"), (4, "account"), (5, "phone"), (6, "email")]
    assert "not a valid phone number: '123'" in summary.errors[2].reason
    report = tmp_path / "report.csv"
    write_error_report(summary, report)
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row;column;value;reason" and lines[3].startswith("5;phone;123;")


async def test_duplicates_inside_one_file_become_one_customer_and_a_rerun_changes_nothing(db, tmp_path) -> None:
    text = (
        "ФИО,Телефон,Лицевой счет\n"
        "Смирнов Олег,9160000001,3000000001\n"
        "Смирнов Олег,8 916 000-00-01,3000000001\n"  # the same row again
        "Смирнов Олег,+79160000001,3000000002\n"  # his second account
        "Смирнова Анна,+79160000001,3000000003\n"
    )  # his wife: same home number, her own account
    path = _write(tmp_path, "dup.csv", text)
    summary = await import_file(db, "customers", path)
    assert (summary.inserted, summary.skipped, summary.updated) == (2, 1, 1)
    assert await _counts(db) == (2, 2, 3)
    assert {p.customer.full_name for p in await screen_pop(db, "9160000001")} == {"Смирнов Олег", "Смирнова Анна"}
    again = await import_file(db, "customers", path)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 4)


async def test_cp1251_csv_with_tabs_is_read(db, tmp_path) -> None:
    text = "фио\tлицевой счёт\tтелефон\tадрес\nЁжиков Семён\t4000000001\t89161234599\tг. Тула, ул. Советская\n"
    summary = await import_file(db, "customers", _write(tmp_path, "win.csv", text, encoding="cp1251"))
    assert summary.inserted == 1 and "cp1251" in summary.source
    (pop,) = await screen_pop(db, "+79161234599")
    assert pop.customer.full_name == "Ёжиков Семён"
    assert pop.accounts[0].address == "г. Тула, ул. Советская"


async def test_xlsx_is_read(db, tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ФИО", "Лицевой счёт", "Телефон", "Сумма долга"])
    ws.append(["Excel Клиент", 5000000001, 9161234588, 99.5])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    summary = await import_file(db, "customers", path)
    assert summary.inserted == 1
    (pop,) = await screen_pop(db, "9161234588")
    assert pop.accounts[0].number == "5000000001" and pop.accounts[0].debt_kop == 9950


async def test_unknown_headers_can_be_mapped_with_columns(db, tmp_path) -> None:
    text = "Плательщик;Номер договора;Моб\nКлиент Договорной;6000000001;9161234577\n"
    path = _write(tmp_path, "m.csv", text)
    with pytest.raises(ImportFailed, match="no column for full_name"):
        await import_file(db, "customers", path)
    summary = await import_file(
        db, "customers", path, columns=["Плательщик=full_name", "номер  договора=account,Моб=phone"]
    )
    assert summary.inserted == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not"),
        (b"", "empty"),
        (b"just one line of prose without any delimiter at all\nand another\n", "not a table"),
        ("ФИО;Телефон\n".encode(), "no data rows"),
    ],
)
async def test_a_file_that_is_not_a_table_fails_clearly_and_changes_nothing(db, tmp_path, content, message) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        await import_file(db, "customers", path)
    assert await _counts(db) == (0, 0, 0)


async def test_debts_update_known_accounts_and_reject_unknown_ones(db, tmp_path) -> None:
    await import_file(db, "customers", _write(tmp_path, "c.csv", GOOD))
    debts = (
        "Лицевой счёт;Сумма долга;Дата долга\n"
        "1000000001;5 000,00;01.09.2026\n"
        "1000000002;0;\n"
        "9999999999;100;01.09.2026\n"
        "1000000003;-5;\n"
        "1000000003;12.5;32.13.2026\n"
    )
    summary = await import_file(db, "debts", _write(tmp_path, "d.csv", debts))
    assert (summary.updated, summary.skipped, summary.rejected) == (1, 1, 3)
    assert [e.column for e in summary.errors] == ["account", "debt", "debt_since"]
    (pop,) = await screen_pop(db, "+74951234567")
    assert pop.accounts[0].debt_kop == 500000 and str(pop.accounts[0].debt_since) == "2026-09-01"
    again = await import_file(db, "debts", _write(tmp_path, "d.csv", debts))
    assert again.updated == 0


def _big_file(tmp_path: Path, rows: int) -> Path:
    """`rows` customers over several chunks; every 7th row is a second account of an earlier customer (matched by
    phone across chunks), every 11th shares a phone with a different person, every 997th is bad."""
    lines = ["ФИО;Лицевой счёт;Телефон;Адрес;Сумма долга;Email"]
    for i in range(rows):
        if i % 997 == 996:
            lines.append(f"Плохой {i};{8_000_000_000 + i};123;;;")
        elif i % 7 == 6 and i > 12_000:
            j = i - 12_000  # a customer from an earlier chunk: same name and phone, one more account
            lines.append(f"Клиент {j};{8_000_000_000 + i};8 916 {j:07d};ул. Вторая, д. {i % 50};0;")
        elif i % 11 == 10:
            lines.append(f"Сосед {i};{8_000_000_000 + i};+7 916 {i - 1:07d};ул. Новая, д. {i % 50};1 234,5;s{i}@x.ru")
        else:
            lines.append(
                f"Клиент {i};{8_000_000_000 + i};8 916 {i:07d};ул. Новая, д. {i % 50};{i % 300},{i % 100:02d};"
            )
    return _write(tmp_path, "big.csv", "\n".join(lines) + "\n", encoding="cp1251")


async def test_a_file_of_several_chunks_matches_across_chunks_and_a_rerun_changes_nothing(db, tmp_path) -> None:
    path = _big_file(tmp_path, 25_000)
    summary = await import_file(db, "customers", path)
    assert summary.rows == 25_000 and summary.rejected == 25
    assert all(e.column == "phone" for e in summary.errors)
    customers, phones, accounts = await _counts(db)
    assert accounts == 25_000 - 25
    assert summary.updated > 0 and customers == summary.inserted and phones < accounts
    again = await import_file(db, "customers", path)
    assert (again.inserted, again.updated, again.skipped, again.rejected) == (0, 0, 25_000 - 25, 25)
    assert await _counts(db) == (customers, phones, accounts)
    pops = await screen_pop(db, "+79160000004")  # customer 4 and his second account from a later chunk
    assert [p.customer.full_name for p in pops] == ["Клиент 4"]
    assert sorted(a.number for a in pops[0].accounts) == ["8000000004", "8000012004"]


async def _snapshot(db) -> dict[str, list[tuple]]:
    async with db.read_session() as s:
        c, p, a = Customer, Phone, Account
        return {
            "customers": (
                await s.execute(
                    select(
                        c.id, c.full_name, c.name_key, c.kind, c.email, c.inn, c.vip, c.language, c.paper_bill, c.notes
                    ).order_by(c.id)
                )
            ).all(),
            "phones": (
                await s.execute(select(p.id, p.customer_id, p.e164, p.raw, p.kind, p.is_primary).order_by(p.id))
            ).all(),
            "accounts": (
                await s.execute(
                    select(
                        a.id,
                        a.number,
                        a.customer_id,
                        a.address,
                        a.address_key,
                        a.region,
                        a.tariff,
                        a.debt_kop,
                        a.debt_since,
                        a.balance_kop,
                        a.status,
                        a.opened_on,
                    ).order_by(a.id)
                )
            ).all(),
            "stamps": (await s.execute(select(c.created_at, c.updated_at))).all(),
        }


async def test_the_sqlite_fast_path_writes_what_the_generic_path_writes(db_url, tmp_path, monkeypatch) -> None:
    from crm_store.db import open_database
    from crm_store.importer import run, sql
    from crm_store.migrate import upgrade

    updates = (
        "ФИО;Лицевой счёт;Телефон;Адрес;Сумма долга;Тип;ИНН\n"
        "Клиент 1 (новое имя);8000000001;;ул. Старая;5;юр;1234567890\n"  # by account: every field changes
        "Клиент 2;;8 916 0000002, 8 903 0000002;;;;\n"  # by phone: one more number
        "Новый Клиент;9000000001;8 916 0000003;;;;\n"
    )  # another name on a known number: a new customer
    debts = "Лицевой счёт;Сумма долга;Дата долга;Баланс\n8000000002;700;01.09.2026;-700\n8000000003;0;;\n"
    results = []
    for name, generic in (("fast", False), ("generic", True)):
        url = db_url.replace("ccdesk.db", f"{name}.db")
        await upgrade(url)
        database = open_database(url)
        with monkeypatch.context() as m:
            if generic:

                async def core_tables(conn):
                    return sql.CoreTables(conn)

                m.setattr(run, "tables_for", core_tables)
            try:
                outcomes = [
                    (await import_file(database, "customers", _big_file(tmp_path, 15_000))).line(),
                    (await import_file(database, "customers", _write(tmp_path, "u.csv", updates))).line(),
                    (await import_file(database, "debts", _write(tmp_path, "d.csv", debts))).line(),
                ]
                results.append((outcomes, await _snapshot(database)))
            finally:
                await database.dispose()
    (fast_outcomes, fast), (generic_outcomes, generic) = results
    assert fast_outcomes == generic_outcomes
    assert fast_outcomes[1] == "3 rows: 1 inserted, 2 updated, 0 skipped (unchanged), 0 rejected"
    for table in ("customers", "phones", "accounts"):
        assert fast[table] == generic[table], table
    assert all(s.tzinfo is not None for row in fast["stamps"] + generic["stamps"] for s in row)
    assert {r.updated_at > r.created_at for r in fast["stamps"]} == {False, True}  # the updated ones moved


def _huge_cell_xlsx(path: Path, size: int) -> Path:
    """A small workbook whose one text cell unpacks to `size` characters (it compresses ~1000:1)."""
    import zipfile

    wb = Workbook()
    ws = wb.active
    ws.append(["ФИО", "Телефон"])
    ws.append(["PLACEHOLDER", "9161234500"])
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"PLACEHOLDER", b"A" * size)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


async def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_reading_it(db, tmp_path, monkeypatch) -> None:
    from crm_store.importer import tables

    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED_BYTES", 2 * 1024 * 1024)
    path = _huge_cell_xlsx(tmp_path / "bomb.xlsx", 3 * 1024 * 1024)
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportFailed, match=r"unpacks to 3 MB \(at most 2 MB\)") as failure:
        await import_file(db, "customers", path)
    assert len(str(failure.value)) < 300  # the string itself is never echoed
    assert await _counts(db) == (0, 0, 0)


async def test_a_long_cell_rejects_its_row_and_is_shortened_in_the_report(db, tmp_path) -> None:
    path = _huge_cell_xlsx(tmp_path / "long.xlsx", 50_000)
    summary = await import_file(db, "customers", path)
    assert (summary.inserted, summary.rejected) == (0, 1)
    (error,) = summary.errors
    assert error.column == "full_name" and "50000 characters (at most 2000)" in error.reason
    assert len(error.value) < 300 and error.value.endswith("(50000 characters)")


async def test_a_csv_cell_over_the_csv_limit_fails_clearly_and_changes_nothing(db, tmp_path) -> None:
    text = 'ФИО;Телефон\nКлиент Один;9161234501\n"' + "x" * 200_000 + '";9161234502\n'
    with pytest.raises(ImportFailed, match=r"row 3 cannot be read: field larger than field limit") as failure:
        await import_file(db, "customers", _write(tmp_path, "wide.csv", text))
    assert len(str(failure.value)) < 400
    assert await _counts(db) == (0, 0, 0)


async def test_too_many_rows_or_too_big_a_file_fail_clearly(db, tmp_path, monkeypatch) -> None:
    from crm_store.importer import tables

    path = _write(tmp_path, "c.csv", GOOD)
    monkeypatch.setattr(tables, "MAX_ROWS", 2)
    with pytest.raises(ImportFailed, match="more than 2 data rows: split it"):
        await import_file(db, "customers", path)
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFailed, match=r"at most 0 MB can be imported at once"):
        await import_file(db, "customers", path)
    assert await _counts(db) == (0, 0, 0)


async def test_formulas_in_rejected_values_are_written_as_text(db, tmp_path) -> None:
    text = (
        "ФИО;Лицевой счёт;Телефон\n"
        "Клиент;7000000001;=cmd|' /C calc'!A0\n"
        "Клиент Два;7000000002;+79161234567+1\n"
        '=HYPERLINK("http://evil.example");;@SUM(1)\n'
    )
    summary = await import_file(db, "customers", _write(tmp_path, "f.csv", text))
    assert summary.rejected == 3
    report = tmp_path / "f.errors.csv"
    write_error_report(summary, report)
    import csv as _csv

    with report.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(_csv.reader(fh, delimiter=";"))
    values = [row[2] for row in rows[1:]]
    assert values == ["'=cmd|' /C calc'!A0", "'+79161234567+1", "'@SUM(1)"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

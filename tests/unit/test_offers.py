"""Offer rules: facts from the pop, segment rules in file order, answered offers held back, strict loading."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from crm_store.records import (
    AccountRecord,
    ApplicationRecord,
    CustomerPop,
    CustomerRecord,
    PaymentRecord,
    ReadingRecord,
)
from workstation.offers import (
    OfferRulesError,
    customer_facts,
    default_book,
    load_offers,
    offers_for,
    parse_offers,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
BOOK = default_book()
SETTINGS = BOOK.settings


def day(days_ago: int, hour: int = 9) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour)


def on(month: int, dom: int, hour: int = 9) -> datetime:
    return datetime(2026, month, dom, hour, tzinfo=UTC)


def pop(
    *,
    kind: str = "individual",
    email: str | None = None,
    paper_bill: bool = False,
    vip: bool = False,
    debt: int = 0,
    debt_since: date | None = None,
    payments: tuple[datetime, ...] = (),
    readings: tuple[datetime, ...] = (on(11, 1),),
    status: str = "active",
    open_types: tuple[str, ...] = (),
    accounts: int = 1,
) -> CustomerPop:
    def account(i: int) -> AccountRecord:
        return AccountRecord(
            id=i,
            customer_id=1,
            number=f"00{i}",
            address="",
            region="Москва",
            tariff="Однотарифный",
            balance_kop=-debt,
            debt_kop=debt if i == 1 else 0,
            debt_since=debt_since if i == 1 else None,
            status=status,
            payments=tuple(
                PaymentRecord(id=n, account_id=i, paid_at=t, amount_kop=100_00, method="card")
                for n, t in enumerate(payments)
                if i == 1
            ),
            readings=tuple(
                ReadingRecord(id=n, account_id=i, meter="electricity", taken_at=t, value=n, source="web")
                for n, t in enumerate(readings)
                if i == 1
            ),
        )

    return CustomerPop(
        customer=CustomerRecord(
            id=1, kind=kind, full_name="Тест", inn=None, email=email, vip=vip, language="ru", paper_bill=paper_bill
        ),
        accounts=tuple(account(i) for i in range(1, accounts + 1)),
        open_applications=tuple(
            ApplicationRecord(
                id=n,
                number=str(n),
                type=t,
                customer_id=1,
                account_id=1,
                channel="phone",
                status="new",
                department_queue=None,
                text="",
                created_at=NOW,
                due_at=None,
                closed_at=None,
            )
            for n, t in enumerate(open_types)
        ),
        interactions=(),
    )


@dataclass(frozen=True)
class Answer:
    offer_code: str
    response: str
    at: datetime


# --- facts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "fact", "expected"),
    [
        (dict(debt=1234_56), "debt", 1234_56),
        (dict(debt=1, debt_since=date(2026, 9, 21)), "debt_days", 60),
        (dict(debt=0, debt_since=date(2026, 9, 21)), "debt_days", 0),
        (
            dict(payments=(on(11, 5), on(10, 11), on(9, 25), on(10, 10, hour=22))),
            "late_payments",
            3,
        ),  # 22 UTC = 11th in Moscow
        (dict(payments=(on(3, 25),)), "late_payments", 0),  # older than lookback_days
        (dict(payments=(on(11, 5), on(10, 11))), "days_since_payment", 15),
        (dict(payments=()), "days_since_payment", None),
        (dict(readings=(on(11, 1), on(9, 1), on(8, 15))), "reading_gap_days", 61),
        (dict(readings=(on(8, 1),)), "reading_gap_days", 111),  # the gap up to today counts
        (dict(readings=()), "reading_gap_days", None),
        (dict(readings=(on(11, 1), on(1, 1))), "readings", 1),
        (dict(email="a@b.ru"), "has_email", True),
        (dict(email=""), "has_email", False),
        (dict(status="disconnected"), "disconnected", True),
        (dict(open_types=("complaint", "payment_plan")), "open_applications", frozenset({"complaint", "payment_plan"})),
        (dict(kind="organisation", accounts=3), "accounts", 3),
    ],
)
def test_facts_are_derived_from_the_pop(given: dict[str, Any], fact: str, expected: Any) -> None:
    assert getattr(customer_facts(pop(**given), NOW, SETTINGS), fact) == expected


# --- default rules -------------------------------------------------------------------------------

DEBTOR = dict(debt=5000_00, debt_since=date(2026, 10, 20))


@pytest.mark.parametrize(
    ("case", "given", "codes"),
    [
        ("a customer with nothing to improve", {}, ()),
        ("big recent debt", DEBTOR, ("payment_plan",)),
        ("small but old debt", dict(debt=500_00, debt_since=date(2026, 8, 1)), ("payment_plan",)),
        ("small recent debt", dict(debt=500_00, debt_since=date(2026, 11, 1)), ()),
        ("a payment plan already applied for", dict(DEBTOR, open_types=("payment_plan",)), ()),
        ("paper bill and e-mail", dict(paper_bill=True, email="a@b.ru"), ("e_billing",)),
        ("paper bill, no e-mail", dict(paper_bill=True), ()),
        ("two late payments", dict(payments=(on(11, 15), on(10, 20), on(9, 5))), ("auto_payment",)),
        ("one late payment", dict(payments=(on(11, 15), on(10, 5))), ()),
        ("readings 3 months apart", dict(readings=(on(11, 1), on(8, 1))), ("smart_meter",)),
        ("no readings for half a year", dict(readings=(on(4, 1),)), ("smart_meter",)),
        ("meter replacement already filed", dict(readings=(on(4, 1),), open_types=("meter_replacement",)), ()),
        ("an organisation", dict(kind="organisation", readings=()), ("business_tariff",)),
        ("a disconnected organisation", dict(kind="organisation", status="disconnected"), ()),
        ("an organisation in debt: no consumer payment plan", dict(DEBTOR, kind="organisation"), ("business_tariff",)),
        (
            "everything at once, file order, capped at max_offers",
            dict(DEBTOR, paper_bill=True, email="a@b.ru", payments=(on(11, 15), on(10, 20)), readings=()),
            ("payment_plan", "auto_payment", "e_billing"),
        ),
    ],
)
def test_default_rules_choose_offers_by_segment(case: str, given: dict[str, Any], codes: tuple[str, ...]) -> None:
    assert tuple(o.code for o in offers_for(pop(**given), NOW, ())) == codes, case


def test_an_offer_says_why_the_customer_qualifies() -> None:
    (offer,) = offers_for(pop(debt=12345_67, debt_since=date(2026, 9, 21)), NOW, ())
    assert offer.title == "Рассрочка погашения долга"
    assert offer.reason == "Долг 12\u00a0345,67 ₽, не погашается 60 дн."
    assert "рассрочку" in offer.pitch
    assert offer.to_json() == {
        "code": "payment_plan",
        "title": offer.title,
        "pitch": offer.pitch,
        "reason": offer.reason,
    }


# --- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ((), True),
        ((Answer("e_billing", "accepted", NOW - timedelta(days=800)),), False),
        ((Answer("e_billing", "declined", NOW - timedelta(days=89)),), False),
        ((Answer("e_billing", "declined", NOW - timedelta(days=90)),), True),
        ((Answer("e_billing", "later", NOW - timedelta(hours=3)),), False),
        ((Answer("e_billing", "later", NOW - timedelta(days=2)),), True),
        # the newest of the non-accepting answers decides
        (
            (
                Answer("e_billing", "declined", NOW - timedelta(days=10)),
                Answer("e_billing", "later", NOW - timedelta(days=5)),
            ),
            True,
        ),
        (
            (
                Answer("e_billing", "later", NOW - timedelta(days=10)),
                Answer("e_billing", "declined", NOW - timedelta(days=5)),
            ),
            False,
        ),
        # an acceptance is never outweighed
        (
            (
                Answer("e_billing", "accepted", NOW - timedelta(days=400)),
                Answer("e_billing", "later", NOW - timedelta(days=200)),
            ),
            False,
        ),
        ((Answer("auto_payment", "accepted", NOW - timedelta(days=1)),), True),  # another offer's answer
    ],
)
def test_answered_offers_are_held_back(answers: tuple[Answer, ...], shown: bool) -> None:
    customer = pop(paper_bill=True, email="a@b.ru")
    assert (tuple(o.code for o in offers_for(customer, NOW, answers)) == ("e_billing",)) is shown


@pytest.mark.parametrize(("days_ago", "shown"), [(29, False), (30, True)])
def test_an_offer_may_have_its_own_cooloff(days_ago: int, shown: bool) -> None:
    answers = (Answer("payment_plan", "declined", NOW - timedelta(days=days_ago)),)
    assert bool(offers_for(pop(**DEBTOR), NOW, answers)) is shown


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        offers_for(pop(), NOW.replace(tzinfo=None), ())


# --- loading -------------------------------------------------------------------------------------

RAW = tomllib.loads(resources.files("workstation").joinpath("offers.toml").read_text(encoding="utf-8"))


def _with(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(RAW)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["offers"][0]["all"].append(["dept", ">", 1]),
            "offer #1 'payment_plan': all[3]: unknown field 'dept'",
        ),
        (
            lambda d: d["offers"][0]["any"].__setitem__(0, ["debt", "~", 1]),
            "any[0]: operator '~' does not apply to 'debt'",
        ),
        (lambda d: d["offers"][2]["all"].__setitem__(0, ["paper_bill", ">", True]), "operator '>' does not apply"),
        (lambda d: d["offers"][2]["all"].__setitem__(0, ["paper_bill", "==", "yes"]), "true or false"),
        (lambda d: d["offers"][0]["any"].__setitem__(0, ["debt", ">=", "много"]), "amount in roubles"),
        (lambda d: d["offers"][0]["any"].__setitem__(0, ["debt", ">=", 10.555]), "amount in roubles"),
        (lambda d: d["offers"][1]["all"].__setitem__(0, ["late_payments", ">=", 1.5]), "whole number"),
        (lambda d: d["offers"][0]["all"].__setitem__(0, ["segment", "in", "individual"]), "list of strings"),
        (lambda d: d["offers"][0]["all"].__setitem__(0, ["segment", "=="]), "must be [field, operator, value]"),
        (lambda d: d["offers"][0].__setitem__("reason", "Долг {dolg}"), "unknown placeholder {dolg}"),
        (lambda d: d["offers"][0].__setitem__("reason", "Долг {debt:.2f}"), "no format spec"),
        (lambda d: d["offers"][0].__setitem__("reason", "Долг {debt"), "literal braces"),
        (lambda d: d["offers"][0].__setitem__("pitch", " "), "'pitch' must be a non-empty string"),
        (lambda d: d["offers"][0].__setitem__("when", {}), "unknown key(s) ['when']"),
        (lambda d: d["offers"][0].__setitem__("code", "Payment Plan"), "'code' must be"),
        (lambda d: d["offers"][1].__setitem__("code", "payment_plan"), "offer #2 'payment_plan': duplicate code"),
        (lambda d: d["offers"][0].__setitem__("cooloff_days", -1), "cooloff_days"),
        (lambda d: d.__setitem__("max_ofers", 2), "unknown setting(s) ['max_ofers']"),
        (lambda d: d.__setitem__("payment_due_day", 31), "payment_due_day"),
        (lambda d: d.__setitem__("timezone", "Mars/Olympus"), "unknown time zone"),
    ],
)
def test_broken_rules_are_refused_at_load_naming_the_offer(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OfferRulesError) as error:
        parse_offers(_with(change), source="offers.toml")
    assert message in str(error.value)
    assert str(error.value).startswith("offers.toml")


def test_errors_in_a_file_name_its_line(tmp_path: Path) -> None:
    path = tmp_path / "offers.toml"
    path.write_text(
        'max_offers = 2\n\n[[offers]]\ncode = "x"\ntitle = "X"\npitch = "p"\nreason = "r"\nall = [["vip", "==", 1]]\n',
        encoding="utf-8",
    )
    with pytest.raises(
        OfferRulesError, match=r"offers\.toml:4: offer #1 'x': all\[0\]: 'vip' is compared with true or false"
    ):
        load_offers(path)
    path.write_text("max_offers = \n", encoding="utf-8")
    with pytest.raises(OfferRulesError, match="line 1"):
        load_offers(path)


def test_the_packaged_rules_load_and_a_custom_file_can_replace_them(tmp_path: Path) -> None:
    assert BOOK.codes == {"payment_plan", "auto_payment", "e_billing", "smart_meter", "business_tariff"}
    path = tmp_path / "mine.toml"
    path.write_text(
        'max_offers = 1\n[[offers]]\ncode = "vip_manager"\ntitle = "Персональный менеджер"\n'
        'pitch = "p"\nreason = "VIP, долг {debt} ₽"\nall = [["vip", "==", true]]\n',
        encoding="utf-8",
    )
    book = load_offers(path)
    (offer,) = book.offers_for(pop(vip=True, debt=100_00), NOW)
    assert (offer.code, offer.reason) == ("vip_manager", "VIP, долг 100 ₽")
    assert book.offers_for(pop(), NOW) == ()

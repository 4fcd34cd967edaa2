"""Which column is which: headers matched by their common Russian and English names."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import ImportFailed
from ..spreadsheet import shorten

SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "фио",
        "full_name",
        "name",
        "fullname",
        "клиент",
        "абонент",
        "наименование",
        "customer",
        "имя",
        "потребитель",
        "фамилия имя отчество",
    ),
    "account": (
        "лицевой счет",
        "лицевой счёт",
        "лс",
        "л/с",
        "account",
        "account_number",
        "номер лицевого счета",
        "счет",
        "personal_account",
        "лицевой",
    ),
    "phone": (
        "телефон",
        "phone",
        "телефоны",
        "phones",
        "тел",
        "мобильный",
        "mobile",
        "номер телефона",
        "contact_phone",
    ),
    "address": ("адрес", "address", "адрес объекта", "адрес потребителя"),
    "region": ("регион", "region", "область"),
    "tariff": ("тариф", "tariff"),
    "email": ("email", "e-mail", "электронная почта", "почта", "mail"),
    "kind": ("тип", "type", "kind", "тип клиента", "вид"),
    "inn": ("инн", "inn", "tax_id"),
    "debt": ("сумма долга", "долг", "debt", "задолженность", "debt_amount", "сумма задолженности"),
    "debt_since": ("дата долга", "долг с", "debt_since", "дата возникновения долга", "since"),
    "balance": ("баланс", "balance", "сальдо"),
}


def header_key(text: str) -> str:
    key = text.strip().lower().replace("ё", "е")
    key = re.sub(r"[\s_\-.]+", " ", key)
    return key.strip()


_LOOKUP = {header_key(name): field for field, names in SYNONYMS.items() for name in names}


def parse_column_map(specs: list[str] | None) -> dict[str, str]:
    """`--columns "Номер договора=account" --columns "Моб=phone"` → {header key: field}."""
    mapping: dict[str, str] = {}
    for spec in specs or []:
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ImportFailed(f"--columns expects HEADER=FIELD, got {part!r}")
            header, field = (s.strip() for s in part.rsplit("=", 1))
            if field not in SYNONYMS:
                raise ImportFailed(f"--columns: unknown field {field!r}; known: {', '.join(SYNONYMS)}")
            mapping[header_key(header)] = field
    return mapping


def map_header(header: list[str], extra: Mapping[str, str], required: tuple[str, ...]) -> dict[str, int]:
    """Field name → column index. Raises ImportFailed when a required field has no column."""
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = header_key(title)
        field = extra.get(key) or _LOOKUP.get(key)
        if field and field not in columns:
            columns[field] = index
    missing = [f for f in required if f not in columns]
    if missing:
        shown = shorten(repr([shorten(h, 60) for h in header[:40]]), 600)
        raise ImportFailed(
            f"no column for {', '.join(missing)} among the headers {shown}; "
            "rename the header or map it with --columns 'HEADER=FIELD'"
        )
    return columns

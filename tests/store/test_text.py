import random
import re

import pytest

from crm_store.importer.values import CellError, money_kop
from crm_store.text import search_key

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[.,;:№#\"'()]+")


def regex_search_key(text: str) -> str:
    """The definition keys already stored were computed by: it must never drift."""
    key = text.lower().replace("ё", "е")
    return _SPACES.sub(" ", _PUNCT.sub(" ", key)).strip()


@pytest.mark.parametrize(
    "text,key",
    [
        ("  Иванов   Пётр\tИванович ", "иванов петр иванович"),
        ("г. Москва, ул. Новая, д. 17", "г москва ул новая д 17"),
        ("ООО «Ромашка» (№5)", "ооо «ромашка» 5"),
        ("ЁЛКИН\u00a0Ё.Ё.", "елкин е е"),
        ("", ""),
    ],
)
def test_search_key_folds_case_yo_punctuation_and_spaces(text: str, key: str) -> None:
    assert search_key(text) == key


def test_search_key_agrees_with_its_regex_definition_on_random_text() -> None:
    alphabet = "аБвЁёЕеЙй xyzXYZ019.,;:№#\"'()-/«»\t\n\r\u00a0\u2003\u3000\x1c\x85İ"
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        assert search_key(text) == regex_search_key(text), repr(text)


@pytest.mark.parametrize(
    "text,kop",
    [
        ("0", 0),
        ("1234", 123400),
        ("1234,5", 123450),
        ("1 234,56 руб.", 123456),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
    ],
)
def test_amounts_in_every_written_form(text: str, kop: int) -> None:
    assert money_kop(text) == kop


@pytest.mark.parametrize("text", ["-5", "abc", "1,2,3", "12.345"])
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(CellError):
        money_kop(text)

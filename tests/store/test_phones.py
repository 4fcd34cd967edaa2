import pytest

from crm_store.phones import format_phone, normalize_phone, split_phones


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("+7 495 1234567", "+74951234567"),
        ("9161234567", "+79161234567"),
        ("89161234567", "+79161234567"),
        ("79161234567", "+79161234567"),
        ("+7 (916) 123-45-67", "+79161234567"),
        ("8-800-555-35-35", "+78005553535"),
        ("+7 (812) 555-12-34", "+78125551234"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_every_common_written_form_becomes_e164(written: str, e164: str) -> None:
    assert normalize_phone(written) == e164


@pytest.mark.parametrize("garbage", ["", "   ", "123", "abc", "8 (000) 000-00-00", "+7 123", None, "1" * 20])
def test_what_is_not_a_phone_number_is_refused(garbage: str | None) -> None:
    assert normalize_phone(garbage) is None


def test_a_kazakh_number_stays_kazakh() -> None:
    assert normalize_phone("+7 7172 123456") == "+77172123456"


def test_a_cell_with_several_numbers_splits() -> None:
    assert split_phones("+7 916 123-45-67; 8 (495) 123-45-67, 9031234567") == [
        "+7 916 123-45-67",
        "8 (495) 123-45-67",
        "9031234567",
    ]


def test_numbers_are_shown_in_international_form() -> None:
    assert format_phone("+79161234567") == "+7 916 123-45-67"


def test_the_russian_fast_path_agrees_with_phonenumbers_on_random_numbers() -> None:
    import random

    import phonenumbers

    rng = random.Random(5)
    for _ in range(30_000):
        national = rng.choice("3489") + "".join(rng.choice("0123456789") for _ in range(9))
        parsed = phonenumbers.parse("+7" + national, None)
        expected = "+7" + national if phonenumbers.is_valid_number(parsed) else None
        assert normalize_phone("8" + national) == expected, national


@pytest.mark.parametrize(
    "cell,parts",
    [
        ("8 916 123-45-67", ["8 916 123-45-67"]),
        ("  +7 916 1234567 ", ["+7 916 1234567"]),
        ("+7 916 123-45-67\u00a0 8 495 123-45-67", ["+7 916 123-45-67", "8 495 123-45-67"]),
        ("9161234567/9031234567", ["9161234567", "9031234567"]),
        ("   ", []),
    ],
)
def test_a_cell_splits_only_at_separators_or_wide_gaps(cell: str, parts: list[str]) -> None:
    assert split_phones(cell) == parts

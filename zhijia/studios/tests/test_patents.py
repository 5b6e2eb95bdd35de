"""Patent numbers: shape, kind digit and the check character, computed by hand here."""

from __future__ import annotations

import pytest

from zhijia.core.errors import ValidationFailed
from zhijia.studios.patents import check_character, patent_number_for, patent_number_parse


def test_check_character_by_hand():
    # 2*2 + 0*3 + 2*4 + 3*5 + 1*6 + 0*7 + 1*8 + 2*9 + 3*2 + 4*3 + 5*4 + 6*5 = 127; 127 mod 11 = 6
    assert check_character("202310123456") == "6"
    # 2*2 + 0*3 + 2*4 + 1*5 + 2*6 + 0*7 + 0*8 + 0*9 + 0*2 + 0*3 + 0*4 + 4*5 = 49; 49 mod 11 = 5
    assert check_character("202120000004") == "5"
    # A remainder of 10 is written X: find such a number and recheck its sum independently.
    digits = next(f"2022100{n:05d}" for n in range(100000) if check_character(f"2022100{n:05d}") == "X")
    total = sum(int(d) * w for d, w in zip(digits, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5], strict=True))
    assert total % 11 == 10


@pytest.mark.parametrize("raw", ["ZL202310123456.6", "202310123456.6", "ZL2023 1 0123456.6", "zl 2023101234566",
                                 "CN202310123456.6", "ZL202310123456．6"])
def test_accepted_forms_normalise_to_one(raw):
    parsed = patent_number_parse(raw)
    assert parsed.normalised == "202310123456.6"
    assert parsed.kind == "invention" and parsed.year == 2023


def test_kind_comes_from_the_fifth_digit():
    assert patent_number_parse(patent_number_for(2022, "utility_model", 345)).kind == "utility_model"
    assert patent_number_parse(patent_number_for(2021, "design", 7)).kind == "design"
    pct = "202280012345"
    assert patent_number_parse(f"{pct}.{check_character(pct)}").kind == "invention"


def test_old_eight_digit_numbers():
    digits = "98123456"
    parsed = patent_number_parse(f"ZL{digits}.{check_character(digits)}")
    assert parsed.year == 1998 and parsed.kind == "invention"


@pytest.mark.parametrize("raw, code, words", [
    ("ZL2023 1 0123456.7", "patent_check", "应为 6"),  # the example in the brief has a wrong check digit
    ("202310123456", "patent_format", "格式不正确"),
    ("2023101234.6", "patent_format", "格式不正确"),
    ("ZL202340123456.1", "patent_format", "专利类型"),
    ("ZL199910123456.1", "patent_format", "年份"),
    ("", "invalid", "请填写专利号"),
])
def test_bad_numbers_are_refused_naming_the_field(raw, code, words):
    with pytest.raises(ValidationFailed) as exc:
        patent_number_parse(raw)
    assert exc.value.code == code
    assert "number" in exc.value.fields and words in exc.value.message

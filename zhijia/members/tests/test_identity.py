"""Validators of ID numbers (GB 11643) and credit codes (GB 32100), as properties."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhijia.core.errors import ValidationFailed
from zhijia.core.identity import (
    check_credit_code,
    credit_code_check_char,
    id_number_check_char,
    mask_id_number,
    normalize_phone,
    parse_id_number,
)

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
dates = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31))
regions = st.sampled_from(["110101", "110111", "110108", "310115", "440305"])
seqs = st.integers(min_value=0, max_value=999)


@given(regions, dates, seqs)
def test_a_number_built_with_its_check_char_parses_with_its_birth_date_and_gender(region, birth, seq):
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    facts = parse_id_number(first17 + id_number_check_char(first17).lower())
    assert facts.birth_date == birth and facts.gender == ("M" if seq % 2 else "F")
    assert facts.id_number.endswith(id_number_check_char(first17))  # X normalised to upper case
    assert mask_id_number(facts.id_number) == facts.id_number[:6] + "********" + facts.id_number[-4:]


@given(regions, dates, seqs, st.sampled_from("0123456789X"))
def test_every_other_check_char_is_refused(region, birth, seq, wrong):
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    if wrong == id_number_check_char(first17):
        return
    with pytest.raises(ValidationFailed) as exc:
        parse_id_number(first17 + wrong)
    assert exc.value.fields == {"id_number": "身份证号校验位不正确"}


@given(regions, st.integers(1950, 2005), st.sampled_from(["0230", "0231", "1301", "0000", "0431"]), seqs)
def test_impossible_birth_dates_are_refused(region, year, monthday, seq):
    first17 = f"{region}{year}{monthday}{seq:03d}"
    with pytest.raises(ValidationFailed) as exc:
        parse_id_number(first17 + id_number_check_char(first17))
    assert "出生日期" in exc.value.message


def test_future_birth_date_is_refused():
    first17 = f"110101{dt.date.today().year + 1}0101001"
    with pytest.raises(ValidationFailed):
        parse_id_number(first17 + id_number_check_char(first17))


@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17))
def test_credit_code_with_its_check_char_passes_and_any_other_warns(first17):
    code, warning = check_credit_code(first17 + credit_code_check_char(first17))
    assert warning is None and code.startswith(first17)
    other = next(c for c in CREDIT_ALPHABET if c != credit_code_check_char(first17))
    code, warning = check_credit_code(first17 + other)
    assert warning and "校验位" in warning  # a warning a person confirms, not a refusal


@given(st.text(min_size=0, max_size=20))
def test_credit_code_outside_alphabet_or_length_is_refused(text):
    if len(text.strip()) == 18 and all(c in CREDIT_ALPHABET for c in text.strip().upper()):
        return
    with pytest.raises(ValidationFailed):
        check_credit_code(text)


@given(st.sampled_from("3456789"), st.integers(0, 999_999_999))
def test_mobile_numbers(second, rest):
    phone = f"1{second}{rest:09d}"
    assert normalize_phone(f"+86 {phone[:3]}-{phone[3:]}") == phone
    with pytest.raises(ValidationFailed):
        normalize_phone(f"12{rest:09d}")

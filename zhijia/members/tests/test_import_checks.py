"""The roster import's fast row check agrees with the reference check on every row it accepts."""

import datetime as dt
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from zhijia.core.crypto import keyed_hash, open_sealed
from zhijia.core.identity import id_number_check_char
from zhijia.members import imports

COLS = {"name": 0, "id_number": 1, "phone": 2, "occupation": 3, "employer_name": 4, "work_region_code": 5}


def _id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


GOOD_IDS = [_id("11011119900101123"), _id("11010520000229002"), _id("11011119851231004")]
ids = st.one_of(
    st.sampled_from(GOOD_IDS),
    st.sampled_from(GOOD_IDS).map(str.lower).map(lambda s: f" {s} "),
    st.sampled_from(GOOD_IDS).map(lambda s: s[:17] + ("0" if s[17] != "0" else "1")),  # check digit
    st.just(_id("11011119900230123")), st.just(_id("11011120990101123")), st.just(_id("11011118000101123")),
    st.just("١١٠١١١١٩٩٠٠١٠١١٢٣٧"),  # digits that are not ASCII
    st.text(alphabet="0123456789Xx ", max_size=20),
)
phones = st.one_of(st.sampled_from(["13800138000", "19912345678", " 13800138000 ", "138-0013-8000",
                                    "+8613800138000", "12800138000", "1380013800", "１３８００１３８０００"]),
                   st.text(alphabet="0123456789 -+", max_size=14))
names = st.one_of(st.sampled_from(["张三", " 李四 ", "", "王" * 60, "王" * 61, "a\tb", "c\\d", "e\nf"]),
                  st.text(max_size=8))
occupations = st.sampled_from(["", "快递员", "courier", "外卖配送员", "其他", "宇航员", " 货车司机 "])
employers = st.one_of(st.sampled_from(["", "燕房物流", "x" * 130, "a\tb", "c\\d"]), st.text(max_size=5))
regions = st.sampled_from(["", "110111", "110108", "999999", "11011", "110111001000", " 110111 "])


@settings(max_examples=400, deadline=None)
@given(st.tuples(names, ids, phones, occupations, employers, regions), st.integers(min_value=0, max_value=6))
def test_fast_check_accepts_only_what_check_accepts_with_the_same_values(cells, width):
    cells = list(cells)[: 6 - width] if width else list(cells)
    checker = imports._RowChecker(SimpleNamespace(region_code="110111"), COLS)
    checker.check(cells)  # the reference runs first once, so the fast path has seen the region (as in a file)
    fast = checker.fast(cells)
    good, errors = checker.check(cells)
    if fast is None:
        return  # check() decides such rows (and explains the bad ones)
    assert errors == [] and good is not None
    f_name, f_sid, f_hid, f_sph, f_hph, f_gender, f_birth, f_occ, f_emp, f_region = fast
    name, sid, hid, sph, hph, gender, birth, occ, emp, region = good
    assert (f_name, f_hid, f_hph, f_gender, f_occ, f_emp, f_region) == (name, hid, hph, gender, occ, emp, region)
    assert open_sealed(f_sid) == open_sealed(sid) and open_sealed(f_sph) == open_sealed(sph)
    assert f_birth == birth.isoformat() and isinstance(birth, dt.date)
    assert f_hid == keyed_hash(open_sealed(sid))
    texts = "".join(v for v in fast if isinstance(v, str))
    assert isinstance(f_hid, bytes) and isinstance(f_hph, bytes) and len(f_hid) == len(f_hph) == 16
    assert not any(c in texts for c in "\\\n\r") and "\t" not in texts


def test_fast_check_takes_a_plain_good_row():
    checker = imports._RowChecker(SimpleNamespace(region_code="110111"), COLS)
    row = ["张三", GOOD_IDS[0], "13800138000", "快递员", "燕房物流", ""]
    fast = checker.fast(row)
    assert fast is not None and fast[5] == "M" and fast[6] == "1990-01-01" and fast[9] == "110111"


def test_copy_line_escapes_what_copy_text_needs():
    line = imports._copy_line((1, 2, True, "a\tb\\c\nd", "", None, dt.date(2020, 1, 2)))
    assert line == "1\t2\tt\ta\\tb\\\\c\\nd\t\t\\N\t2020-01-02\n"
    assert imports._copy_line((b"\x00\xff",)) == "\\\\x00ff\n"  # bytea's \x input, the backslash escaped

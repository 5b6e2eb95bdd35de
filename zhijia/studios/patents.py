"""Chinese patent application numbers (专利申请号), as CNIPA writes them since 1 October 2003.

Form: four digits of the filing year, one digit for the kind (1 invention, 2 utility model, 3 design; 8 and 9 are
PCT applications entering China as an invention or a utility model), a seven-digit serial, a dot, and a check
character. A granted patent is cited with the prefix ZL (专利号 ZL202310123456.7); CN is accepted too. Spaces are
tolerated (ZL2023 1 0123456.7). Older eight-digit numbers (two-digit year, 1985-2003) follow the same rule.

The check character: the digits before the dot are weighted 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 from the left, the sum
is taken modulo 11, and a remainder of 10 is written X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.core.errors import ValidationFailed

KIND_DIGITS = {"1": "invention", "8": "invention", "2": "utility_model", "9": "utility_model", "3": "design"}
# Marked with gettext_noop: Chinese here; the message that names the kind translates it.
KIND_LABELS = {"invention": gettext_noop("发明专利"), "utility_model": gettext_noop("实用新型"),
               "design": gettext_noop("外观设计")}
_SHAPE = re.compile(r"^(?:ZL|CN)?(\d{8}|\d{12})\.?([0-9X])$")


def check_character(digits: str) -> str:
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True)
class PatentNumber:
    digits: str
    check: str
    kind: str
    year: int

    @property
    def normalised(self) -> str:
        return f"{self.digits}.{self.check}"


def patent_number_parse(raw: str, *, field: str = "number") -> PatentNumber:
    """Parse and check a patent number; a ValidationFailed naming `field` says what is wrong."""
    text = re.sub(r"[\s\u3000]+", "", str(raw or "")).upper().replace("．", ".")
    if not text:
        raise ValidationFailed.field(field, _("请填写专利号"))
    m = _SHAPE.match(text)
    if m is None:
        raise ValidationFailed.field(
            field, _("专利号“%(number)s”格式不正确：应为12位数字加校验位，如 ZL202310123456.7 或 202310123456.7")
            % {"number": raw},
            code="patent_format")
    digits, check = m.groups()
    year = int(digits[:4]) if len(digits) == 12 else 1900 + int(digits[:2]) + (100 if int(digits[:2]) < 85 else 0)
    kind_digit = digits[4] if len(digits) == 12 else digits[2]
    if len(digits) == 12 and year < 2003:
        raise ValidationFailed.field(field, _("专利号“%(number)s”的申请年份 %(year)s 不正确"
                                              "（12位申请号自2003年起使用）")
                                     % {"number": raw, "year": year}, code="patent_format")
    if len(digits) == 8 and not 1985 <= year <= 2004:
        raise ValidationFailed.field(field, _("专利号“%(number)s”的申请年份不正确（8位申请号用于1985至2003年）")
                                     % {"number": raw}, code="patent_format")
    kind = KIND_DIGITS.get(kind_digit)
    if kind is None:
        raise ValidationFailed.field(field, _("专利号“%(number)s”的第%(position)s位应为专利类型"
                                              "（1发明、2实用新型、3外观设计、8/9 PCT）")
                                     % {"number": raw, "position": 5 if len(digits) == 12 else 3}, code="patent_format")
    expected = check_character(digits)
    if check != expected:
        raise ValidationFailed.field(field, _("专利号“%(number)s”的校验位不正确（应为 %(expected)s），请核对")
                                     % {"number": raw, "expected": expected}, code="patent_check")
    return PatentNumber(digits=digits, check=check, kind=kind, year=year)


def patent_number_for(year: int, kind: str, serial: int) -> str:
    """A well-formed number (for demo data and tests): year, kind digit, seven-digit serial, check character."""
    kind_digit = {"invention": "1", "utility_model": "2", "design": "3"}[kind]
    digits = f"{year:04d}{kind_digit}{serial:07d}"
    return f"{digits}.{check_character(digits)}"

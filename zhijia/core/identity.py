"""Identity numbers and contact details: validation per the national standards, and masking for display.

- 身份证号 (GB 11643-1999): 17 digits + a check character (0-9 or X) over ISO 7064 MOD 11-2; the birth date inside it
  must be a real date, not in the future.
- 统一社会信用代码 (GB 32100-2015): 18 characters over 0-9 and A-Y without I, O, S, V, Z, with a MOD 31 check
  character. Some genuine early codes fail the check, so a failed check is a warning a person confirms.
- Mobile phone: 11 digits starting 13-19.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from operator import mul

from django.utils.translation import gettext as _

from zhijia.core.errors import ValidationFailed

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_ASCII_ZERO = 48 * sum(_ID_WEIGHTS)  # the weighted sum over the character codes of "0" * 17
_ID_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_SEPARATORS = re.compile(r"[\s-]")

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


@dataclass(frozen=True)
class IdNumberFacts:
    id_number: str
    birth_date: dt.date
    gender: str  # "M" or "F"
    region_code: str


def id_number_check_char(first17: str) -> str:
    if len(first17) == 17 and first17.isascii() and first17.isdigit():  # the common case, in a roster's hot loop
        return _ID_CHECK[(sum(map(mul, first17.encode(), _ID_WEIGHTS)) - _ID_ASCII_ZERO) % 11]
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_id_number(value: str | None, *, field: str = "id_number", today: dt.date | None = None) -> IdNumberFacts:
    """Validate an 18-character ID number and read the birth date and gender out of it."""
    raw = (value or "").strip().upper()
    if not raw:
        raise ValidationFailed.field(field, _("请填写身份证号"))
    if not _ID_RE.match(raw):
        raise ValidationFailed.field(field, _("身份证号应为18位（前17位数字，末位数字或X）"))
    try:
        birth = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError as exc:
        raise ValidationFailed.field(field, _("身份证号中的出生日期不存在")) from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise ValidationFailed.field(field, _("身份证号中的出生日期不合理"))
    if id_number_check_char(raw[:17]) != raw[17]:
        raise ValidationFailed.field(field, _("身份证号校验位不正确"))
    return IdNumberFacts(id_number=raw, birth_date=birth, gender="M" if int(raw[16]) % 2 else "F",
                         region_code=raw[:6])


def normalize_phone(value: str | None, *, field: str = "phone") -> str:
    raw = _PHONE_SEPARATORS.sub("", value or "")
    if raw.startswith("+86"):
        raw = raw[3:]
    if not PHONE_RE.match(raw):
        raise ValidationFailed.field(field, _("手机号应为11位大陆手机号码"))
    return raw


def credit_code_check_char(first17: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(value: str | None, *, field: str = "employer_credit_code") -> tuple[str, str | None]:
    """Validate a 统一社会信用代码. Returns (code, warning): a bad check character is a warning, not a refusal;
    a wrong length or a character outside the alphabet is refused."""
    raw = (value or "").strip().upper()
    if not _CREDIT_RE.match(raw):
        raise ValidationFailed.field(field, _("统一社会信用代码应为18位，由数字和大写字母（不含I、O、S、V、Z）组成"))
    if credit_code_check_char(raw[:17]) != raw[17]:
        return raw, _("统一社会信用代码校验位不符，请核对（部分早期代码属实但不符合校验规则）")
    return raw, None


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧**娜."""
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]

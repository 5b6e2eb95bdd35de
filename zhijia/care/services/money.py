"""Parsing amounts: yuan as Decimal with two places; anything else is a field error in Chinese."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from zhijia.core.errors import ValidationFailed

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


def parse_amount(value, *, field: str, allow_zero: bool = False) -> Decimal:
    """A non-negative amount in yuan with at most two decimal places (positive unless `allow_zero`)."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed.field(field, _("金额格式不正确，应为以元为单位的数字（最多两位小数）"))
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationFailed.field(field, _("金额最多保留两位小数（单位：元）"))
    if amount < 0:
        raise ValidationFailed.field(field, _("金额不能为负数"))
    if amount == 0 and not allow_zero:
        raise ValidationFailed.field(field, _("金额应大于0"))
    if amount > MAX_AMOUNT:
        raise ValidationFailed.field(field, _("金额过大"))
    return amount.quantize(CENT)


def yuan(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT):.2f}"

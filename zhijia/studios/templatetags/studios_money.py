"""Money on the studios pages: yuan with thousands separators (1,567,000.00), whatever the locale's grouping."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value, places: int = 2) -> str:
    if value in (None, ""):
        return ""
    return f"{Decimal(value):,.{int(places)}f}"

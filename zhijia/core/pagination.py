"""One pagination for every list of the API: ?page=1&page_size=50, answered as {items, count, page, page_size}."""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from zhijia.core.errors import ValidationFailed

MAX_PAGE_SIZE = 200


class PageNumber(PaginationBase):
    class Input(Schema):
        page: int = Field(1, description="页码，从1开始")
        page_size: int = Field(50, description=f"每页条数，最多{MAX_PAGE_SIZE}")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        if pagination.page < 1:
            raise ValidationFailed.field("page", _("页码应从1开始"))
        if not 1 <= pagination.page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed.field("page_size", _("每页条数应在1到%(max)s之间") % {"max": MAX_PAGE_SIZE})
        offset = (pagination.page - 1) * pagination.page_size
        count = queryset.count() if hasattr(queryset, "count") and not isinstance(queryset, list) else len(queryset)
        return {
            "items": list(queryset[offset: offset + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "page_size": pagination.page_size,
        }

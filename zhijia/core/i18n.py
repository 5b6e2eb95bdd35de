"""Pieces of messages in the request's language, shared by the subsystems."""

from django.utils.translation import gettext


def listed(items) -> str:
    """Items joined for a message: "、" in Chinese, ", " in English."""
    return gettext("、").join(str(i) for i in items)

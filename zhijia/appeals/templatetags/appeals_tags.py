from django import template

from zhijia.appeals.models import Status

register = template.Library()
_STATUS = dict(Status.choices)


@register.filter
def action_label(action: str) -> str:
    from zhijia.appeals.services import ACTION_LABELS

    return ACTION_LABELS.get(action, action)


@register.filter
def status_label(status: str) -> str:
    return _STATUS.get(status, status or "—")


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"

from django import template
from django.utils.translation import pgettext_lazy

from zhijia.appeals.models import Status

register = template.Library()
_STATUS = dict(Status.choices)

# services.ACTION_LABELS in the page's language, worded as events ("派单" is "Dispatched" here and "Dispatch" on a
# button). The service keeps its Chinese labels (they go into error texts and stored notes); test_english checks that
# both name the same actions with the same Chinese.
ACTION_LABELS_I18N = {
    "receive": pgettext_lazy("event", "受理"), "dispatch": pgettext_lazy("event", "派单"),
    "accept": pgettext_lazy("event", "签收"), "return": pgettext_lazy("event", "退回"),
    "start": pgettext_lazy("event", "开始办理"), "wait": pgettext_lazy("event", "等待职工补充"),
    "resume": pgettext_lazy("event", "恢复办理"), "answer": pgettext_lazy("event", "答复"),
    "close": pgettext_lazy("event", "办结"), "callback": pgettext_lazy("event", "回访"),
    "reopen": pgettext_lazy("event", "退回重办"), "merge": pgettext_lazy("event", "合并"),
    "escalate": pgettext_lazy("event", "超时督办"), "remind": pgettext_lazy("event", "到期提醒"),
    "unrated": pgettext_lazy("event", "未评价"),
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS_I18N.get(action, action)


@register.filter
def status_label(status: str) -> str:
    return _STATUS.get(status, status or "—")


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"

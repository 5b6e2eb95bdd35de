from django import template
from django.utils.translation import gettext_lazy as _

from zhijia.appeals.models import Status

register = template.Library()
_STATUS = dict(Status.choices)

# services.ACTION_LABELS in the page's language. The service keeps its Chinese labels (they go into error texts and
# stored notes); test_english checks that both name the same actions with the same Chinese.
ACTION_LABELS_I18N = {
    "receive": _("受理"), "dispatch": _("派单"), "accept": _("签收"), "return": _("退回"), "start": _("开始办理"),
    "wait": _("等待职工补充"), "resume": _("恢复办理"), "answer": _("答复"), "close": _("办结"), "callback": _("回访"),
    "reopen": _("退回重办"), "merge": _("合并"), "escalate": _("超时督办"), "remind": _("到期提醒"),
    "unrated": _("未评价"),
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

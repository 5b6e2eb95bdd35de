"""Opening hours (开放时间) of a station, and "open now" in Asia/Shanghai time with the holiday calendar.

Stored as JSON, validated on every write:

    {"always": true}                                   24 hours, every day (holidays included)
    {"weekly": {"mon": [["08:00", "20:00"]], ..., "fri": [["22:00", "06:00+1"]]},
     "public_holiday": "as_usual" | "closed" | [["09:00", "17:00"]],
     "exceptions": {"2026-10-01": [], "2026-10-02": [["10:00", "16:00"]]}}

An interval's end may be "24:00", or carry "+1" to end on the next day (crossing midnight); an end before its start
without "+1" is refused. Intervals of one week may not overlap, counting what spills past midnight into the next
day. The schedule of a date is, in order: its exception; the public-holiday rule on a statutory holiday; the
weekday's intervals. What an interval spills past midnight belongs to the day it started.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.core import workcalendar
from zhijia.core.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Chinese wherever they are joined (describe(), exports); translated only in the messages of validate_hours.
WEEKDAY_LABELS = {"mon": gettext_noop("周一"), "tue": gettext_noop("周二"), "wed": gettext_noop("周三"),
                  "thu": gettext_noop("周四"), "fri": gettext_noop("周五"), "sat": gettext_noop("周六"),
                  "sun": gettext_noop("周日")}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(\+1)?$")
FIELD = "opening_hours"
DAY = 24 * 60
ALWAYS = {"always": True}


def _minutes(value, field: str, *, is_end: bool) -> int:
    m = _TIME_RE.match(str(value).strip()) if isinstance(value, str) else None
    if not m:
        raise ValidationFailed.field(field, _("时间应写作 HH:MM（跨夜的结束时间写作 06:00+1）"))
    hours, minutes, next_day = int(m.group(1)), int(m.group(2)), bool(m.group(3))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes) or (hours == 24 and not is_end):
        raise ValidationFailed.field(field, _("时间 %(value)s 不存在") % {"value": value})
    if next_day and not is_end:
        raise ValidationFailed.field(field, _("开始时间不能写+1"))
    total = hours * 60 + minutes
    if next_day:
        if total == 0:
            raise ValidationFailed.field(field, _("次日00:00请写作24:00"))
        total += DAY
    return total


def _intervals(raw, field: str) -> list[tuple[int, int]]:
    if not isinstance(raw, list):
        raise ValidationFailed.field(field, _("应为时间段列表，如 [[\"08:00\", \"20:00\"]]"))
    out = []
    for i, item in enumerate(raw):
        f = f"{field}[{i}]"
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValidationFailed.field(f, _("每个时间段应为 [开始, 结束]"))
        start = _minutes(item[0], f, is_end=False)
        end = _minutes(item[1], f, is_end=True)
        if end <= start:
            raise ValidationFailed.field(
                f, _("结束时间 %(end)s 早于或等于开始时间 %(start)s；跨夜营业请把结束时间写作 %(end)s+1")
                % {"end": item[1], "start": item[0]})
        out.append((start, end))
    _refuse_overlaps([(s, e, f"{_fmt(s)}-{_fmt(e)}") for s, e in out], field, span=None)
    return sorted(out)


def _refuse_overlaps(spans: list[tuple[int, int, object]], field: str, span: int | None) -> None:
    """Refuse two spans that share a minute; with `span` (a week in minutes) the timeline wraps around."""
    pieces = []
    for start, end, label in spans:
        if span is not None and end > span:
            pieces += [(start, span, label), (0, end - span, label)]
        else:
            pieces.append((start, end, label))
    pieces.sort(key=lambda p: (p[0], p[1]))
    for (_s1, e1, l1), (s2, _e2, l2) in itertools.pairwise(pieces):
        if s2 < e1:
            where = _("%(first)s 与 %(second)s") % {"first": l1, "second": l2} if l1 != l2 else f"{l1}"
            raise ValidationFailed.field(field, _("时间段重叠：%(where)s") % {"where": where}, code="overlap")


def _fmt(minutes: int) -> str:
    suffix = "+1" if minutes > DAY else ""
    minutes = minutes - DAY if minutes > DAY else minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}{suffix}"


def _dump(intervals: list[tuple[int, int]]) -> list[list[str]]:
    return [[_fmt(s), _fmt(e)] for s, e in intervals]


def validate_hours(raw) -> dict:
    """The opening hours in their normalised form, or a ValidationFailed naming the offending part."""
    if raw is None or raw == {}:
        raise ValidationFailed.field(FIELD, _("请填写开放时间"))
    if not isinstance(raw, dict):
        raise ValidationFailed.field(FIELD, _("开放时间格式不正确"))
    unknown = set(raw) - {"always", "weekly", "public_holiday", "exceptions"}
    if unknown:
        raise ValidationFailed.field(f"{FIELD}.{sorted(unknown)[0]}", _("不认识的开放时间项"))
    if raw.get("always"):
        if len(raw) > 1 and any(raw.get(k) for k in ("weekly", "exceptions")):
            raise ValidationFailed.field(FIELD, _("24小时开放时不需要再填每周时间"))
        return dict(ALWAYS)
    weekly_raw = raw.get("weekly")
    if not isinstance(weekly_raw, dict):
        raise ValidationFailed.field(f"{FIELD}.weekly", _("请填写每周开放时间，或选择24小时开放"))
    bad_days = set(weekly_raw) - set(WEEKDAYS)
    if bad_days:
        raise ValidationFailed.field(f"{FIELD}.weekly.{sorted(bad_days)[0]}", _("星期应为 mon…sun"))
    weekly = {d: _intervals(weekly_raw.get(d, []), f"{FIELD}.weekly.{d}") for d in WEEKDAYS}
    # Across the week, what spills past midnight must not run into the next day's first interval.
    spans = [(i * DAY + s, i * DAY + e, _("%(day)s%(start)s-%(end)s") % {"day": _(WEEKDAY_LABELS[d]), "start": _fmt(s),
                                                                        "end": _fmt(e)})
             for i, d in enumerate(WEEKDAYS) for s, e in weekly[d]]
    _refuse_overlaps(spans, f"{FIELD}.weekly", span=7 * DAY)
    if not any(weekly.values()):
        raise ValidationFailed.field(f"{FIELD}.weekly", _("每周至少要有一个开放时间段"))
    rule = raw.get("public_holiday", "as_usual")
    if isinstance(rule, list):
        rule = _dump(_intervals(rule, f"{FIELD}.public_holiday"))
    elif rule not in ("as_usual", "closed"):
        raise ValidationFailed.field(f"{FIELD}.public_holiday", _("节假日规则应为 as_usual、closed 或时间段列表"))
    exceptions_raw = raw.get("exceptions") or {}
    if not isinstance(exceptions_raw, dict):
        raise ValidationFailed.field(f"{FIELD}.exceptions", _("例外日期应为 {日期: 时间段列表}"))
    exceptions = {}
    for day, intervals in sorted(exceptions_raw.items()):
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise ValidationFailed.field(f"{FIELD}.exceptions.{day}", _("日期应写作 YYYY-MM-DD"))
        exceptions[day] = _dump(_intervals(intervals, f"{FIELD}.exceptions.{day}"))
    return {"weekly": {d: _dump(v) for d, v in weekly.items()}, "public_holiday": rule, "exceptions": exceptions}


def _parsed(intervals: list[list[str]]) -> list[tuple[int, int]]:
    return [(_minutes(s, FIELD, is_end=False), _minutes(e, FIELD, is_end=True)) for s, e in intervals]


def schedule_of(hours: dict, day: dt.date) -> list[tuple[int, int]]:
    """The intervals (minutes from that day's midnight; ends may pass 1440) that start on `day`."""
    if hours.get("always"):
        return [(0, DAY)]
    exception = (hours.get("exceptions") or {}).get(day.isoformat())
    if exception is not None:
        return _parsed(exception)
    rule = hours.get("public_holiday", "as_usual")
    if rule != "as_usual" and workcalendar.is_public_holiday(day):
        return [] if rule == "closed" else _parsed(rule)
    return _parsed(hours["weekly"].get(WEEKDAYS[day.weekday()], []))


def is_open(hours: dict, at: dt.datetime) -> bool:
    """Open at the instant `at` (aware; read in Asia/Shanghai time)."""
    if hours.get("always"):
        return True
    local = at.astimezone(SHANGHAI)
    day, minute = local.date(), local.hour * 60 + local.minute
    if any(s <= minute < e for s, e in schedule_of(hours, day)):
        return True
    yesterday = day - dt.timedelta(days=1)
    return any(s <= minute + DAY < e for s, e in schedule_of(hours, yesterday) if e > DAY)


def describe(hours: dict) -> list[str]:
    """Lines for a person: "周一 08:00-20:00", "节假日 休息"."""
    if hours.get("always"):
        return ["24小时开放"]
    lines = []
    for d in WEEKDAYS:
        intervals = hours["weekly"].get(d) or []
        text = "、".join(f"{s}-{e.replace('+1', '(次日)')}" for s, e in intervals) or "休息"
        lines.append(f"{WEEKDAY_LABELS[d]} {text}")
    rule = hours.get("public_holiday", "as_usual")
    if rule == "closed":
        lines.append("法定节假日 休息")
    elif isinstance(rule, list):
        lines.append("法定节假日 " + "、".join(f"{s}-{e}" for s, e in rule))
    for day, intervals in (hours.get("exceptions") or {}).items():
        lines.append(f"{day} " + ("、".join(f"{s}-{e}" for s, e in intervals) or "休息"))
    return lines


_CN_DAYS = {"一": "mon", "二": "tue", "三": "wed", "四": "thu", "五": "fri", "六": "sat", "日": "sun", "天": "sun"}


def parse_text(text: str) -> dict:
    """Opening hours as people write them in a spreadsheet, e.g. "24小时" or
    "周一至周五 08:00-20:00；周六、周日 09:00-12:00,14:00-18:00；节假日 休息"; crossing midnight: "22:00-次日06:00".
    Returns the raw form for `validate_hours`."""
    text = (text or "").strip().replace("：", ":").replace("，", ",").replace("－", "-").replace("—", "-")
    if not text:
        raise ValidationFailed.field(FIELD, _("请填写开放时间"))
    if text.replace(" ", "").lower() in ("24小时", "24h", "全天", "全天24小时"):
        return dict(ALWAYS)
    weekly: dict[str, list] = {}
    raw: dict = {"weekly": weekly}
    for part in re.split(r"[;；\n]+", text):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^(\S+?)\s+(.+)$", part)
        if not m:
            raise ValidationFailed.field(FIELD, _("无法识别“%(part)s”，应写作“周一至周五 08:00-20:00”")
                                         % {"part": part})
        days_text, times_text = m.group(1), m.group(2).strip()
        intervals = [] if times_text in ("休息", "关闭", "闭馆") else _text_intervals(times_text, part)
        if days_text in ("节假日", "法定节假日"):
            raw["public_holiday"] = intervals or "closed"
            continue
        for day in _text_days(days_text, part):
            weekly.setdefault(day, []).extend(intervals)
    return raw


def _text_intervals(text: str, part: str) -> list[list[str]]:
    out = []
    for piece in re.split(r"[,、]", text):
        m = re.match(r"^\s*(\d{1,2}:\d{2})\s*-\s*(次日)?\s*(\d{1,2}:\d{2})\s*$", piece)
        if not m:
            raise ValidationFailed.field(FIELD, _("无法识别时间段“%(piece)s”（%(part)s）")
                                         % {"piece": piece, "part": part})
        out.append([m.group(1), m.group(3) + ("+1" if m.group(2) else "")])
    return out


def _text_days(text: str, part: str) -> list[str]:
    days: list[str] = []
    for piece in re.split(r"[,、]", text.replace("星期", "周")):
        m = re.match(r"^周([一二三四五六日天])(?:[至到-]周?([一二三四五六日天]))?$", piece)
        if piece == "每天":
            return list(WEEKDAYS)
        if not m:
            raise ValidationFailed.field(FIELD, _("无法识别星期“%(piece)s”（%(part)s）")
                                         % {"piece": piece, "part": part})
        first = WEEKDAYS.index(_CN_DAYS[m.group(1)])
        last = WEEKDAYS.index(_CN_DAYS[m.group(2)]) if m.group(2) else first
        if last < first:
            raise ValidationFailed.field(FIELD, _("星期范围“%(piece)s”倒置（%(part)s）")
                                         % {"piece": piece, "part": part})
        days += list(WEEKDAYS[first:last + 1])
    return days

import datetime as dt

import pytest
from django.utils import timezone

from zhijia.contests import services
from zhijia.contests.models import Round

QUESTIONS = [
    # category, kind, text, options, answer, points
    ("调度业务", "single", "发车间隔由谁调整？", ["驾驶员", "调度员", "乘客", "站务员"], "B", 1),
    ("调度业务", "single", "高峰时段应优先？", ["加密发车", "减少车辆", "停运", "绕行"], "A", 1),
    ("调度业务", "multiple", "遇道路拥堵可以？", ["临时调整线路", "区间车", "大站快车", "停止运营"], "ABC", 2),
    ("调度业务", "true_false", "调度员可以随意取消班次。", [], "B", 1),
    ("安全规范", "single", "车辆故障首先应？", ["继续行驶", "开启危险报警灯靠边", "加速", "鸣笛"], "B", 1),
    ("安全规范", "true_false", "雨雪天应降低车速。", [], "A", 1),
    ("安全规范", "multiple", "车载应急物品包括？", ["灭火器", "安全锤", "麦克风", "急救箱"], "ABD", 2),
    ("安全规范", "true_false", "可以超员运营。", [], "B", 1),
]


def make_contest(actor, *, union=None, now=None, rounds=None, **kw):
    now = now or timezone.now()
    return services.contest_create(
        actor, title=kw.pop("title", "房山区公交调度员技能竞赛"), trade="汽车客运调度员",
        registration_opens_at=now - dt.timedelta(days=1), registration_closes_at=now + dt.timedelta(days=10),
        union_id=union.pk if union else None, rounds=rounds, **kw)


def add_questions(actor, contest):
    return [services.question_create(actor, contest_id=contest.pk, category=c, kind=k, text=t, options=o, answer=a,
                                     points=p) for c, k, t, o, a, p in QUESTIONS]


def open_exam(actor, rnd: Round, *, now=None, minutes=20, spec=None):
    now = now or timezone.now()
    return services.round_update(actor, round_id=rnd.pk, exam_opens_at=now - dt.timedelta(minutes=5),
                                 exam_closes_at=now + dt.timedelta(hours=2), exam_minutes=minutes,
                                 paper_spec=spec or {"调度业务": 3, "安全规范": 2})


@pytest.fixture
def world(city, make_staff, make_worker_user):
    fs = make_staff("fs1", city.fangshan)
    hd = make_staff("hd1", city.haidian)
    reviewer = make_staff("rv1", city.fangshan, role="reviewer")
    hd_reviewer = make_staff("rv2", city.haidian, role="reviewer")
    workers = [make_worker_user(i, union=city.community) for i in range(1, 7)]
    contest = make_contest(fs)
    rounds = list(contest.rounds.order_by("order"))
    add_questions(fs, contest)
    return type("World", (), {"city": city, "fs": fs, "hd": hd, "reviewer": reviewer, "hd_reviewer": hd_reviewer,
                              "workers": workers, "contest": contest, "rounds": rounds,
                              "make_worker_user": make_worker_user})

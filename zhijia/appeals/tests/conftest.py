from __future__ import annotations

import pytest


@pytest.fixture
def desk(city, make_staff, make_worker_user):
    """The cast of an appeal: a 12351 agent at the municipal federation, district staff of 房山 and 海淀, three
    handlers in 城关街道, and a worker with an account."""
    from zhijia.appeals.defaults import ensure_defaults
    from zhijia.appeals.models import Category, TimeLimit
    from zhijia.members.models import Worker

    ensure_defaults(Category, TimeLimit)  # flushed by transactional tests
    ns = type("Desk", (), {})()
    ns.city = city
    ns.agent = make_staff("agent1", city.root, role="hotline_agent")
    ns.admin = make_staff("admin1", city.root, role="municipal_admin")
    ns.fangshan = make_staff("fs1", city.fangshan, role="district_staff")
    ns.haidian = make_staff("hd1", city.haidian, role="district_staff")
    ns.handlers = [make_staff(f"cg{i}", city.chengguan, role="grassroots_staff") for i in range(3)]
    ns.worker_user = make_worker_user(1, union=city.community)
    ns.worker = Worker.objects.get(user=ns.worker_user)
    return ns


@pytest.fixture
def intake(desk):
    """Create an appeal through the real service as the agent."""
    from zhijia.appeals import services

    def make(actor=None, **kw):
        args = {"channel": "hotline_12351", "category": "wage_arrears", "urgency": "normal",
                "text": "拖欠三个月工资", "worker": desk.worker.pk, "region_code": "110111001000"} | kw
        return services.appeal_create(actor or desk.agent, **args).appeal

    return make


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """The staff-entered calendar is cached per process for 30 s; each test starts from the database."""
    from zhijia.appeals.calendar import calendar_refresh

    calendar_refresh()
    yield
    calendar_refresh()

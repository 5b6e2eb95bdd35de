"""The console and worker pages render what a user needs, and export stays in scope."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from zhijia.appeals import services
from zhijia.appeals.models import Appeal, Status

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_console_pages_render(desk, intake):
    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    c = login(desk.admin)
    for url in ["/console/appeals/", f"/console/appeals/{a.pk}/", "/console/appeals/intake/",
                "/console/appeals/rates/", "/console/appeals/rates/cases/?measure=received", "/console/appeals/rules/",
                "/console/appeals/outbox/", "/console/appeals/calendar/?year=2027", "/console/appeals/inbox/",
                "/console/"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.content[:400])
    detail = c.get(f"/console/appeals/{a.pk}/").content.decode()
    assert a.number in detail and "城关街道总工会" in detail
    assert "年节假日安排尚未录入" in c.get("/console/appeals/calendar/?year=2027").content.decode()


def test_hotline_lookup_finds_by_phone_and_shows_recent_appeals(desk, intake):
    a = intake()
    c = login(desk.agent)
    html = c.get("/console/appeals/intake/lookup/", {"q": desk.worker.phone}).content.decode()
    assert desk.worker.name in html and a.number in html
    assert desk.worker.phone not in html  # masked
    dup = c.get("/console/appeals/intake/duplicates/", {"worker": desk.worker.pk, "category": "wage_arrears"})
    assert "疑似重复" in dup.content.decode()


def test_agent_takes_a_call_and_dispatches(desk):
    services.dispatch_rule_save(desk.admin, category=None, region_prefix="110111",
                                handling_union_id=desk.city.chengguan.pk)
    c = login(desk.agent)
    r = c.post("/console/appeals/intake/", {
        "worker": desk.worker.pk, "channel": "hotline_12351", "category": "wage_arrears", "urgency": "urgent",
        "text": "工地拖欠工资", "region_code": "110111001000", "finish": "dispatch", "idempotency_key": "abc"})
    assert r.status_code == 302
    a = Appeal.objects.get()
    assert a.status == Status.DISPATCHED and a.handling_union == desk.city.chengguan
    # A double submit of the same form makes nothing new
    c.post("/console/appeals/intake/", {
        "worker": desk.worker.pk, "channel": "hotline_12351", "category": "wage_arrears", "urgency": "urgent",
        "text": "工地拖欠工资", "region_code": "110111001000", "finish": "dispatch", "idempotency_key": "abc"})
    assert Appeal.objects.count() == 1


def test_agent_form_errors_are_shown_not_500(desk):
    r = login(desk.agent).post("/console/appeals/intake/", {"category": "", "text": "", "finish": "save",
                                                           "worker": desk.worker.pk})
    assert r.status_code == 400 and "诉求类别不存在" in r.content.decode()


def test_sibling_district_sees_nothing_in_list_detail_and_export(desk, intake):
    from openpyxl import load_workbook

    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    hd, fs = login(desk.haidian), login(desk.fangshan)
    assert a.number not in hd.get("/console/appeals/").content.decode()
    assert a.number in fs.get("/console/appeals/").content.decode()
    assert hd.get(f"/console/appeals/{a.pk}/").status_code == 404
    assert hd.get(f"/console/appeals/rates/export.xlsx?union={desk.city.fangshan.pk}").status_code == 404

    def numbers(client):
        wb = load_workbook(io.BytesIO(client.get("/console/appeals/rates/export.xlsx").content))
        return [row[0] for row in wb["诉求明细"].iter_rows(min_row=2, values_only=True)]

    assert numbers(hd) == []
    assert numbers(fs) == [a.number]


def test_worker_pages_show_state_handler_and_rating(desk, intake):
    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    services.appeal_accept(desk.handlers[0], appeal_id=a.pk)
    w = login(desk.worker_user)
    mine = w.get("/w/appeals/").content.decode()
    assert a.number in mine and "城关街道总工会" in mine
    a.refresh_from_db()
    detail = w.get(f"/w/appeals/{a.pk}/").content.decode()
    assert str(a.handler) in detail and "已签收" in detail
    services.appeal_answer(a.handler, appeal_id=a.pk, answer="已与企业沟通，下周发放")
    services.appeal_close(a.handler, appeal_id=a.pk, outcome="resolved")
    assert "请评价" in w.get(f"/w/appeals/{a.pk}/").content.decode()
    w.post(f"/w/appeals/{a.pk}/", {"do": "rate", "resolved": "0", "satisfied": "0", "comment": "没发"})
    w.post(f"/w/appeals/{a.pk}/", {"do": "reopen", "reason": "工资仍未发放"})
    a.refresh_from_db()
    assert a.rating_satisfied is False and a.status == Status.ACCEPTED and a.reopen_count == 1


def test_worker_form_and_chair_mailbox(desk):
    w = login(desk.worker_user)
    assert w.get("/w/appeals/new/").status_code == 200
    r = w.post("/w/appeals/new/", {"category": "suggestion", "urgency": "normal", "text": "建议增设驿站",
                                   "idempotency_key": "w1"})
    assert r.status_code == 302
    r = w.post("/w/appeals/new/?mailbox=1", {"mailbox": "1", "mailbox_union": desk.city.fangshan.pk,
                                             "category": "rights", "text": "主席您好", "idempotency_key": "w2"})
    assert r.status_code == 302
    mail = Appeal.objects.get(channel="mailbox")
    assert mail.handling_union == desk.city.fangshan and mail.status == Status.DISPATCHED
    assert mail.number.startswith("MB-")
    assert w.post("/w/appeals/new/", {"category": "", "text": ""}).status_code == 400

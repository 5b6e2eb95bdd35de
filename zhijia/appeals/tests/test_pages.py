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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_worker_attaches_a_photo_and_staff_in_scope_can_open_it(desk, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    w = login(desk.worker_user)
    w.post("/w/appeals/new/", {"category": "wage_arrears", "text": "工资条见附件", "idempotency_key": "att",
                               "attachments": [SimpleUploadedFile("工资条.png", PNG, "image/png"),
                                               SimpleUploadedFile("x.exe", b"MZ\x90\x00", "image/png")]})
    a = Appeal.objects.get()
    att = a.attachments.get()
    assert att.name == "工资条.png"
    assert "工资条.png" in w.get(f"/w/appeals/{a.pk}/").content.decode()
    assert w.get(f"/w/appeals/{a.pk}/attachments/{att.pk}/").status_code == 200
    assert login(desk.admin).get(f"/console/appeals/{a.pk}/attachments/{att.pk}/").status_code == 200
    assert login(desk.haidian).get(f"/console/appeals/{a.pk}/attachments/{att.pk}/").status_code == 404


def test_limits_page(desk):
    c = login(desk.admin)
    assert c.get("/console/appeals/limits/").status_code == 200
    r = c.post("/console/appeals/limits/", {"form": "limit", "category": "hardship", "urgency": "normal",
                                            "respond_amount": "2", "respond_unit": "workdays",
                                            "resolve_amount": "10", "resolve_unit": "workdays"})
    assert r.status_code == 302
    assert "10 工作日" in c.get("/console/appeals/limits/").content.decode()
    bad = c.post("/console/appeals/limits/", {"form": "hours", "union": desk.city.root.pk, "start": "18:00",
                                              "end": "09:00"})
    assert bad.status_code == 400 and "下班时间应晚于上班时间" in bad.content.decode()


def test_list_query_count_does_not_grow_with_rows(desk, intake, api_client, django_assert_max_num_queries):
    for _ in range(3):
        intake()
    c = api_client.as_user(desk.admin)
    with django_assert_max_num_queries(8):
        assert c.get("/api/v1/appeals").json()["count"] == 3
    for _ in range(10):
        intake()
    with django_assert_max_num_queries(8):
        assert c.get("/api/v1/appeals").json()["count"] == 13


def test_agent_merges_a_repeat_call_into_the_open_appeal(desk, intake):
    first = intake()
    services.appeal_dispatch(desk.agent, appeal_id=first.pk, union_id=desk.city.chengguan.pk)
    c = login(desk.agent)
    warning = c.get("/console/appeals/intake/duplicates/", {"worker": desk.worker.pk, "category": "wage_arrears"})
    assert "并入此件" in warning.content.decode()
    r = c.post("/console/appeals/intake/", {
        "worker": desk.worker.pk, "channel": "hotline_12351", "category": "wage_arrears", "urgency": "normal",
        "text": "又来电催问工资", "merge_into": first.pk, "idempotency_key": "m1"})
    assert r.status_code == 302
    repeat = Appeal.objects.exclude(pk=first.pk).get()
    assert repeat.status == Status.MERGED and repeat.merged_into == first
    assert first.messages.filter(text__contains="又来电催问工资").exists()

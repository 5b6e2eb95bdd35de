"""English second: with the language cookie the appeals pages are English; without it they stay Chinese."""

from __future__ import annotations

import pytest

from zhijia.appeals import selectors, services, views
from zhijia.appeals.models import AppealEvent
from zhijia.appeals.templatetags.appeals_tags import ACTION_LABELS_I18N
from zhijia.conftest import signed_in

pytestmark = pytest.mark.django_db




def test_staff_list_and_detail_in_english_and_chinese(desk, intake):
    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    en = signed_in(desk.admin, "en").get("/console/appeals/").content.decode()
    assert "Appeals · Cases" in en and "接诉即办 · 诉求" not in en
    assert "Hotline intake (new appeal)" in en and "Dispatched" in en and "已派单" not in en
    zh = signed_in(desk.admin).get("/console/appeals/").content.decode()
    assert "接诉即办 · 诉求" in zh and "热线受理 (新诉求)" in zh and "已派单" in zh and "Appeals · Cases" not in zh

    detail = signed_in(desk.admin, "en").get(f"/console/appeals/{a.pk}/").content.decode()
    assert "Handling union" in detail and "Accept" in detail and "签收" not in detail
    assert "<strong>Received</strong>" in detail  # the history, worded as events


def test_worker_page_in_english_and_chinese(desk, intake):
    intake()
    en = signed_in(desk.worker_user, "en").get("/w/appeals/").content.decode()
    assert "Raise a problem" in en and "我要反映问题" not in en
    assert "Write to the union chair" in en and "写信给工会主席" not in en
    zh = signed_in(desk.worker_user).get("/w/appeals/").content.decode()
    assert "我要反映问题" in zh and "Raise a problem" not in zh


def test_flash_is_english_but_the_stored_note_stays_chinese(desk):
    c = signed_in(desk.agent, "en")
    r = c.post("/console/appeals/intake/", {
        "worker": desk.worker.pk, "channel": "hotline_12351", "category": "wage_arrears", "urgency": "normal",
        "text": "拖欠工资", "region_code": "110111001000", "finish": "save", "idempotency_key": "en-1"}, follow=True)
    assert "received" in r.content.decode() and "已受理" not in r.content.decode()
    # The receive note is stored and sent to the 12345 system: in Chinese whatever the agent's language.
    assert AppealEvent.objects.get(action="receive").note == "12351热线受理"


def test_page_labels_match_the_chinese_of_services_and_selectors():
    assert {k: str(v) for k, v in ACTION_LABELS_I18N.items()} == services.ACTION_LABELS
    assert {k: str(v) for k, v in views.MEASURE_LABELS_I18N.items()} == selectors.MEASURE_LABELS
    assert {k: str(v) for k, v in views.ACTION_DONE.items()} == {
        k: f"已{services.ACTION_LABELS[k]}" for k in views.ACTION_DONE}


# --- the messages a person gets back (errors, refusals) ---------------------------------------------------------
def _api_post(client, url: str, body: dict):
    import json

    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_bad_input_is_english_with_the_cookie_and_chinese_by_default(desk):
    body = {"channel": "hotline_12351", "category": "wage_arrears", "urgency": "normal", "text": "长" * 5000,
            "worker": desk.worker.pk, "region_code": "110111001000"}
    en = _api_post(signed_in(desk.agent, "en"), "/api/v1/appeals", body)
    assert en.status_code == 400
    assert en.json() == {"code": "invalid", "message": "Too long (at most 4000 characters)",
                         "fields": {"text": "Too long (at most 4000 characters)"}}
    zh = _api_post(signed_in(desk.agent), "/api/v1/appeals", body | {"category": "astrology"})
    assert zh.status_code == 400 and zh.json()["code"] == "invalid"
    assert zh.json()["fields"] == {"category": "诉求类别不存在"} and zh.json()["message"] == "诉求类别不存在"
    en = _api_post(signed_in(desk.agent, "en"), "/api/v1/appeals", body | {"category": "astrology"})
    assert en.json()["fields"] == {"category": "Appeal category not found"}


def test_an_illegal_transition_is_refused_in_the_request_language(desk, intake):
    a = intake()  # received, not dispatched: it cannot be accepted yet
    en = _api_post(signed_in(desk.agent, "en"), f"/api/v1/appeals/{a.pk}/accept", {})
    assert en.status_code == 409 and en.json()["code"] == "illegal_transition"
    assert en.json()["message"] == "Cannot accept it: the appeal's current status is “Received”"
    assert en.json()["fields"] == {"status": "received"}
    zh = _api_post(signed_in(desk.agent), f"/api/v1/appeals/{a.pk}/accept", {})
    assert zh.status_code == 409 and zh.json()["message"] == "当前状态“已受理”不能签收"


def test_a_refusal_on_the_worker_page_is_english(desk, intake):
    a = intake()
    r = signed_in(desk.worker_user, "en").post(f"/w/appeals/{a.pk}/", {"do": "rate", "resolved": "1",
                                                                        "satisfied": "1"}, follow=True)
    page = r.content.decode()
    assert "The appeal is not closed yet, so there can be no callback" in page and "诉求尚未办结" not in page
    zh = signed_in(desk.worker_user).post(f"/w/appeals/{a.pk}/", {"do": "rate", "resolved": "1", "satisfied": "1"},
                                          follow=True)
    assert "诉求尚未办结，不能回访" in zh.content.decode()


def test_refused_action_verbs_match_the_chinese_action_labels():
    assert {k: str(v) for k, v in services.ACTION_VERBS.items()} == {
        k: services.ACTION_LABELS[k] for k in services.TRANSITIONS}

"""The challenge pages in English: with the language cookie set to en the pages' own text is English (data such as
titles and union names stays as typed); without it the pages are Chinese as before."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from zhijia.challenge import services
from zhijia.conftest import signed_in


def test_worker_challenge_page_in_english_and_chinese(joined, challenge):
    services.exercise_log(joined, challenge_id=challenge.pk, date=timezone.localdate(), kind="walk", steps=5000)
    html = signed_in(joined, language="en").get(f"/w/challenge/{challenge.pk}/").content.decode()
    assert "Exercise logs" in html and "Log it" in html and "Walking (steps)" in html and "5000 steps" in html
    assert "运动打卡" not in html and "提交打卡" not in html and "健步走" not in html
    assert challenge.title in html  # data stays as typed
    html = signed_in(joined).get(f"/w/challenge/{challenge.pk}/").content.decode()
    assert "运动打卡" in html and "提交打卡" in html and "健步走（步）" in html and "Exercise logs" not in html


def test_console_challenge_page_in_english_and_chinese(staff, challenge):
    html = signed_in(staff.fangshan, language="en").get(f"/console/challenge/{challenge.pk}/").content.decode()
    assert "Scoring rules" in html and "Close and award prizes" in html and "In progress" in html
    assert "计分规则" not in html and "结束并颁奖" not in html and "进行中" not in html
    html = signed_in(staff.fangshan).get(f"/console/challenge/{challenge.pk}/").content.decode()
    assert "计分规则" in html and "结束并颁奖" in html and "Scoring rules" not in html


def test_flash_message_in_english(worker, challenge):
    r = signed_in(worker, language="en").post(f"/w/challenge/{challenge.pk}/join/", follow=True)
    assert "You have joined" in r.content.decode() and "报名成功" not in r.content.decode()


def test_api_refusals_in_english_and_chinese(api_client, joined, challenge):
    """The service's messages follow the request's language; the code and the field stay the same."""
    base = f"/api/v1/challenge/{challenge.pk}"
    en = api_client.as_user(joined)
    en.cookies["django_language"] = "en"
    r = en.post(f"{base}/join")
    assert r.status_code == 409 and r.json() == {
        "code": "already_joined", "message": "You have already joined this challenge",
        "fields": {"challenge": "You have already joined this challenge"}}
    token = en.token
    r = Client().post(f"{base}/entries", {"kind": "run", "minutes": "700"}, HTTP_AUTHORIZATION=f"Bearer {token}",
                      HTTP_COOKIE="django_language=en")
    assert r.status_code == 400 and r.json()["code"] == "impossible"
    assert r.json()["fields"]["minutes"].startswith("Running: one day's total cannot exceed 600 minutes")
    r = Client().post(f"{base}/entries", {"kind": "run", "minutes": "700"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 400 and r.json()["code"] == "impossible"
    assert r.json()["fields"]["minutes"] == "跑步单日合计不能超过600分钟（今日已填报0），超出为不可能的数据，未计入"
    zh = api_client.__class__().as_user(joined)
    r = zh.post(f"{base}/join")
    assert r.json()["message"] == "您已报名该挑战赛" and r.json()["code"] == "already_joined"


def test_page_refusal_in_english_and_chinese(joined, challenge):
    future = str(timezone.localdate() + dt.timedelta(days=1))
    data = {"kind": "walk", "amount": "5000", "date": future}
    html = signed_in(joined, language="en").post(f"/w/challenge/{challenge.pk}/log/", data, follow=True)
    assert "You cannot log exercise for a future date" in html.content.decode()
    html = signed_in(joined).post(f"/w/challenge/{challenge.pk}/log/", data, follow=True)
    assert "不能填报未来的日期" in html.content.decode()


def test_limit_message_names_the_field_in_english(staff, city):
    from zhijia.challenge.services import challenge_create
    from zhijia.core.errors import ValidationFailed

    today = timezone.localdate()
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        challenge_create(staff.fangshan, title="x", starts_on=today, ends_on=today, prize_count=-1)
    assert exc.value.fields == {"prize_count": "Number of prizes should be between 0 and 100000"}
    with pytest.raises(ValidationFailed) as exc:
        challenge_create(staff.fangshan, title="x", starts_on=today, ends_on=today, prize_count=-1)
    assert exc.value.fields == {"prize_count": "奖品份数应在0到100000之间"}

"""The challenge pages in English: with the language cookie set to en the pages' own text is English (data such as
titles and union names stays as typed); without it the pages are Chinese as before."""

from django.utils import timezone

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

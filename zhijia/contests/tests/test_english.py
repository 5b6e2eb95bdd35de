"""The contest pages in English: with the language cookie set to en the pages' own text is English (data such as
titles, trades and questions stays as typed); without it the pages are Chinese as before."""

from django.test import Client

from zhijia.conftest import signed_in
from zhijia.contests import services


def test_worker_home_in_english_and_chinese(world):
    services.entry_register(world.workers[0], contest_id=world.contest.pk)
    html = signed_in(world.workers[0], language="en").get("/w/contests/").content.decode()
    assert "My contests" in html and "Entrant no. 00001" in html and "Preliminary" in html
    assert "我的比赛" not in html and "参赛编号" not in html and "初赛" not in html
    assert world.contest.title in html  # data stays as typed
    html = signed_in(world.workers[0]).get("/w/contests/").content.decode()
    assert "我的比赛" in html and "参赛编号 00001" in html and "My contests" not in html


def test_contest_console_page_in_english_and_chinese(world):
    html = signed_in(world.fs, language="en").get(f"/console/contests/{world.contest.pk}/").content.decode()
    assert "Publish results" in html and "Skill contest" in html and "Top X%" in html and "Semi-final" in html
    assert "公布成绩" not in html and "前X%" not in html and "复赛" not in html
    html = signed_in(world.fs).get(f"/console/contests/{world.contest.pk}/").content.decode()
    assert "公布成绩" in html and "前X%" in html and "复赛" in html and "Publish results" not in html


def test_public_verify_page_in_english():
    c = Client()
    c.cookies["django_language"] = "en"
    html = c.get("/contests/verify/?number=X1").content.decode()
    assert "No such certificate" in html and "查无此证书" not in html

"""The contest pages in English: with the language cookie set to en the pages' own text is English (data such as
titles, trades and questions stays as typed); without it the pages are Chinese as before."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone, translation
from openpyxl import Workbook

from zhijia.conftest import signed_in
from zhijia.contests import services
from zhijia.core.errors import ValidationFailed


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


def test_api_refusals_in_english_and_chinese(world, api_client):
    """The service's messages follow the request's language; the code and the field stay the same."""
    now = timezone.now()
    body = {"title": "权重有误", "trade": "快递员", "registration_opens_at": now.isoformat(),
            "registration_closes_at": (now + dt.timedelta(days=7)).isoformat(),
            "rounds": [{"stage": "final", "theory_weight": 30, "practice_weight": 60}]}
    en = api_client.as_user(world.fs)
    en.cookies["django_language"] = "en"
    r = en.post("/api/v1/contests", body)
    assert r.status_code == 400 and r.json() == {
        "code": "invalid", "message": "The theory and practice weights should add up to 100 (now 90)",
        "fields": {"rounds[0].theory_weight": "The theory and practice weights should add up to 100 (now 90)"}}
    zh = api_client.__class__().as_user(world.fs)
    r = zh.post("/api/v1/contests", body)
    assert r.status_code == 400 and r.json()["message"] == "理论权重与实操权重之和应为100（现为90）"

    worker = api_client.__class__().as_user(world.workers[0])
    assert worker.post(f"/api/v1/contests/{world.contest.pk}/entries", {}).status_code == 201
    worker.cookies["django_language"] = "en"
    r = worker.post(f"/api/v1/contests/{world.contest.pk}/entries", {})
    assert r.status_code == 409 and r.json()["code"] == "already_registered"
    assert r.json()["fields"] == {"contest": "Already registered for this contest; you cannot register twice"}
    r = worker.post(f"/api/v1/contests/rounds/{world.rounds[1].pk}/exam")
    assert r.status_code == 403 and r.json()["message"] == "You have not reached the Semi-final"


def test_question_import_errors_in_english_keep_the_chinese_column_names(world):
    book = Workbook()
    book.active.append(["分类", "题型", "题干", "选项A", "选项B"])
    book.active.append(["安全规范", "单选题", "题目", "甲", "乙"])
    content = io.BytesIO()
    book.save(content)
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        services.question_import(world.fs, contest_id=world.contest.pk, content=content.getvalue())
    assert exc.value.fields == {"file": "Missing columns: 答案"}
    book.active["A1"].value = "分类"
    book.active.cell(row=1, column=6, value="答案")
    book.active.cell(row=2, column=6, value="Z")
    book.active.append(["", "判断", "题目", "", "", "A"])
    content = io.BytesIO()
    book.save(content)
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        services.question_import(world.fs, contest_id=world.contest.pk, content=content.getvalue())
    assert exc.value.message == ("2 rows of the question bank are wrong, nothing was imported: "
                                 "Row 2: The answer should be option letters (A-B), none repeated; "
                                 "Row 3: Please enter the question's category")
    with pytest.raises(ValidationFailed) as exc:
        services.question_import(world.fs, contest_id=world.contest.pk, content=content.getvalue())
    assert exc.value.message == "题库有2行有误，未导入：第2行：答案应为选项字母（A-B），不重复；第3行：请填写题目分类"

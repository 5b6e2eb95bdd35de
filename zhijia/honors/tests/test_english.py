"""The selection pages in English (cookie `django_language=en`), and still in Chinese without it."""

from __future__ import annotations

from zhijia.conftest import signed_in
from zhijia.honors.tests.conftest import STORY


def test_worker_selection_page_in_english_and_chinese(city, make_selection, member, client):
    s, (a, *_) = make_selection()
    client.force_login(member(5, city.chengguan))
    chinese = client.get(f"/w/honors/{s.pk}/").content.decode()
    assert "今日还可投" in chinese and ">投票</button>" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(f"/w/honors/{s.pk}/").content.decode()
    assert "Votes left today" in english and ">Vote</button>" in english and "0 votes" in english
    assert "今日还可投" not in english and ">投票</button>" not in english
    assert "最美出租汽车司机" in english  # data stays as typed
    voted = client.post(f"/w/honors/candidates/{a.pk}/vote/", HTTP_HX_REQUEST="true").content.decode()
    assert "Vote counted" in voted and "Votes left today" in voted
    assert "Vote in selections" in client.get("/w/honors/").content.decode()


def test_console_detail_page_in_english_and_chinese(make_selection, client):
    s, _ = make_selection()
    client.force_login(s.created_by)
    chinese = client.get(f"/console/honors/{s.pk}/").content.decode()
    assert "进入下一环节：专家评审" in chinese and "网络投票" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(f"/console/honors/{s.pk}/").content.decode()
    assert "Next stage: Expert review" in english and "Online vote" in english and "Counted votes" in english
    assert "进入下一环节" not in english and "网络投票" not in english and "有效票" not in english
    assert "Selections and honours" in client.get("/console/honors/").content.decode()


# --- the messages a person gets back (refusals, bad input) follow the language too -----------------------------------

def test_api_bad_input_in_english_and_chinese(city, make_staff):
    staff = make_staff("lang1", city.fangshan)
    bad = {"title": "x", "votes_per_day": 99}
    r = signed_in(staff, "en").post("/api/v1/honors/selections", bad, content_type="application/json")
    english = "Votes per member per day must be between 1 and 50"
    assert r.status_code == 400 and r.json() == {"code": "invalid", "message": english,
                                                 "fields": {"votes_per_day": english}}
    r = signed_in(staff).post("/api/v1/honors/selections", bad, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"votes_per_day": "每人每日票数应在1到50之间"}


def test_vote_refusal_in_english_and_chinese(city, make_selection, member):
    _s, (a, *_) = make_selection()
    voter = member(5, city.chengguan)
    url = f"/api/v1/honors/candidates/{a.pk}/votes"
    assert signed_in(voter, "en").post(url, {}, content_type="application/json").status_code == 201
    r = signed_in(voter, "en").post(url, {}, content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "daily_limit"
    assert r.json()["message"] == "You have used today's 1 vote(s): come back tomorrow"
    assert r.json()["fields"] == {"votes_per_day": "At most 1 vote(s) per member per day: used up for today"}
    r = signed_in(voter).post(url, {}, content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "daily_limit"
    assert r.json()["message"] == "今天的1票已经投完，明天再来"


def test_wrong_stage_flash_in_english_and_chinese(make_selection):
    s, _candidates = make_selection()  # in the public vote: nominating is refused
    form = {"action": "nominate", "name": "李华", "union": s.union_id, "story": STORY}
    page = signed_in(s.created_by, "en").post(f"/console/honors/{s.pk}/", form, follow=True).content.decode()
    assert "Nomination is only possible in the “Nomination” stage; the selection is now in “Online vote”" in page
    assert "须在" not in page
    page = signed_in(s.created_by).post(f"/console/honors/{s.pk}/", form, follow=True).content.decode()
    assert "推荐提名须在“推荐提名”环节进行，当前为“网络投票”" in page

"""The selection pages in English (cookie `django_language=en`), and still in Chinese without it."""

from __future__ import annotations


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

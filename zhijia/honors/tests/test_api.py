"""The API contract of /api/v1/honors: the fixed names, the error shape with the field named, scope."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from zhijia.honors.models import Score, Selection, Stage, Vote
from zhijia.honors.tests.conftest import STORY


def test_selection_to_results_through_the_api(city, make_staff, member, api_client):
    staff = make_staff("fs", city.fangshan)
    api = api_client.as_user(staff)
    now = timezone.now()
    r = api.post("/api/v1/honors/selections", {
        "title": "2026年房山区最美出租汽车司机", "votes_per_day": 2,
        "vote_starts_at": (now - dt.timedelta(hours=1)).isoformat(),
        "vote_ends_at": (now + dt.timedelta(days=7)).isoformat(), "shortlist_size": 2, "top_size": 1})
    assert r.status_code == 201, r.json()
    body = r.json()
    sid = body["id"]
    assert body["votes_per_day"] == 2 and body["stage"] == "nomination" and body["stage_label"] == "推荐提名"
    ids = []
    for name in ("马玉芬", "王建生"):
        r = api.post(f"/api/v1/honors/selections/{sid}/candidates",
                     {"name": name, "union": city.chengguan.pk, "story": STORY})
        assert r.status_code == 201, r.json()
        ids.append(r.json()["id"])
    assert r.json()["number"] == 2 and r.json()["union"] == "城关街道总工会"
    r = api.post(f"/api/v1/honors/selections/{sid}/advance")
    assert r.status_code == 200 and r.json()["stage"] == "material_review"
    checklist = r.json()["checklist"]
    for cid in ids:
        r = api.post(f"/api/v1/honors/candidates/{cid}/review", {"checks": dict.fromkeys(checklist, True)})
        assert r.status_code == 200 and r.json()["passed"] is True
    assert api.post(f"/api/v1/honors/selections/{sid}/advance").json()["stage"] == "public_vote"
    # A member votes.
    voter = api_client.__class__().as_user(member(1, city.chengguan))
    r = voter.post(f"/api/v1/honors/candidates/{ids[0]}/votes")
    assert r.status_code == 201, r.json()
    assert r.json() == {"id": r.json()["id"], "candidate": ids[0], "status": "counted", "remaining_today": 1,
                        "signals": []}
    voter.post(f"/api/v1/honors/candidates/{ids[0]}/votes")
    r = voter.post(f"/api/v1/honors/candidates/{ids[1]}/votes")
    assert r.status_code == 429 and r.json()["code"] == "daily_limit" and "votes_per_day" in r.json()["fields"]
    assert "明天" in r.json()["message"]
    # Criteria and experts, then a score with {criterion: number}.
    criteria = [{"name": "专业技能", "weight": 0.3}, {"name": "服务水平", "weight": 0.3},
                {"name": "职业道德", "weight": 0.2}, {"name": "社会贡献", "weight": 0.2}]
    r = api.generic("PUT", f"/api/v1/honors/selections/{sid}/criteria", json.dumps({"criteria": criteria}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert r.status_code == 200, r.json()
    expert = make_staff("expert1", city.root, role="reviewer")
    assert api.post(f"/api/v1/honors/selections/{sid}/experts", {"user": expert.pk}).status_code == 201
    Selection.objects.filter(pk=sid).update(vote_ends_at=timezone.now())
    assert api.post(f"/api/v1/honors/selections/{sid}/advance").json()["stage"] == "expert_review"
    ex = api_client.__class__().as_user(expert)
    full = {"专业技能": 90, "服务水平": 85, "职业道德": 100, "社会贡献": 80}
    r = ex.post(f"/api/v1/honors/candidates/{ids[0]}/scores", {"scores": full | {"专业技能": 120}})
    assert r.status_code == 400 and r.json()["fields"] == {"scores.专业技能": "“专业技能”的分数应在0到100之间"}
    assert Score.objects.count() == 0
    r = ex.post(f"/api/v1/honors/candidates/{ids[0]}/scores", {"scores": full})
    assert r.status_code == 201, r.json()
    assert ex.post(f"/api/v1/honors/candidates/{ids[1]}/conflicts", {"reason": "同一车队"}).status_code == 201
    r = ex.post(f"/api/v1/honors/candidates/{ids[1]}/scores", {"scores": full})
    assert r.status_code == 403 and r.json()["code"] == "recused" and "expert" in r.json()["fields"]
    r = api.get(f"/api/v1/honors/selections/{sid}/results")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [set(i) >= {"votes", "expert_score", "final_score", "rank"} for i in items] == [True, True]
    first = items[0]
    # 0.3·100 (votes 2 of 2) + 0.7·(0.3·90 + 0.3·85 + 0.2·100 + 0.2·80 = 88.5) = 91.95
    assert (first["candidate_id"], first["votes"], first["rank"]) == (ids[0], 2, 1)
    assert float(first["expert_score"]) == 88.5 and float(first["final_score"]) == 91.95
    assert items[1]["expert_score"] is None and items[1]["votes"] == 0
    # Lists and details.
    assert api.get("/api/v1/honors/selections").json()["count"] == 1
    assert api.get(f"/api/v1/honors/selections/{sid}").json()["stage"] == "expert_review"
    assert api.get(f"/api/v1/honors/selections/{sid}/candidates").json()["count"] == 2
    assert voter.get(f"/api/v1/honors/candidates/{ids[0]}").json()["name"] == "马玉芬"


def test_bad_input_names_the_field(city, make_staff, make_worker_user, make_selection, api_client):
    staff = make_staff("fs", city.fangshan)
    api = api_client.as_user(staff)
    r = api.post("/api/v1/honors/selections", {"title": "x", "votes_per_day": 0,
                                                "vote_starts_at": "2026-01-01T00:00:00+08:00",
                                                "vote_ends_at": "2026-01-02T00:00:00+08:00"})
    assert r.status_code == 400 and "votes_per_day" in r.json()["fields"]
    r = api.post("/api/v1/honors/selections", {"title": "x", "votes_per_day": 1,
                                                "vote_starts_at": "2026-01-02T00:00:00+08:00",
                                                "vote_ends_at": "2026-01-01T00:00:00+08:00"})
    assert r.status_code == 400 and "vote_ends_at" in r.json()["fields"]
    r = api.post("/api/v1/honors/selections", {"title": "x", "votes_per_day": "many"})
    assert r.status_code == 422 and "votes_per_day" in r.json()["fields"]
    later = timezone.now() + dt.timedelta(days=1)
    s, (a, *_) = make_selection(staff=staff, vote_starts_at=later, vote_ends_at=later + dt.timedelta(days=1))
    outsider = api_client.__class__().as_user(make_worker_user(9))
    r = outsider.post(f"/api/v1/honors/candidates/{a.pk}/votes")
    assert r.status_code == 403 and r.json()["fields"] == {"member": "仅在会会员可以投票"}
    member_api = api_client.__class__().as_user(make_worker_user(10, city.chengguan))
    r = member_api.post(f"/api/v1/honors/candidates/{a.pk}/votes")
    assert r.status_code == 400 and "vote_starts_at" in r.json()["fields"] and "投票尚未开始" in r.json()["message"]
    assert Vote.objects.count() == 0
    # A worker cannot advance; nor can an expert score outside the expert review.
    r = member_api.post(f"/api/v1/honors/selections/{s.pk}/advance")
    assert r.status_code == 403


def test_sibling_union_sees_nothing_through_the_api(city, make_staff, make_selection, api_client):
    s, (a, *_) = make_selection()
    hd = api_client.as_user(make_staff("hd", city.haidian))
    assert hd.get("/api/v1/honors/selections").json()["count"] == 0
    for path in (f"/api/v1/honors/selections/{s.pk}", f"/api/v1/honors/selections/{s.pk}/results",
                 f"/api/v1/honors/selections/{s.pk}/candidates", f"/api/v1/honors/candidates/{a.pk}"):
        r = hd.get(path)
        assert r.status_code == 404, path
    assert hd.post(f"/api/v1/honors/selections/{s.pk}/advance").status_code == 404
    assert s.stage == Stage.PUBLIC_VOTE


def test_honours_api(city, make_staff, member, api_client):
    from zhijia.members.models import Worker

    staff = make_staff("fs", city.fangshan)
    user = member(20, city.chengguan)
    w = Worker.objects.get(user=user)
    api = api_client.as_user(staff)
    r = api.post("/api/v1/honors/honours", {"worker": w.pk, "kind": "model_worker", "title": "北京市劳动模范",
                                            "level": "municipal", "year": 2020})
    assert r.status_code == 201 and r.json()["kind_label"] == "劳动模范"
    r = api.post("/api/v1/honors/honours", {"worker": w.pk, "kind": "model_worker", "level": "galactic",
                                            "year": 2020})
    assert r.status_code == 400 and "level" in r.json()["fields"]
    assert api.get("/api/v1/honors/honours").json()["count"] == 1
    mine = api_client.__class__().as_user(user).get("/api/v1/honors/honours/mine").json()
    assert [h["title"] for h in mine] == ["北京市劳动模范"]

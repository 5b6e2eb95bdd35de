import datetime as dt

from django.test import Client
from django.utils import timezone

from zhijia.accounts.services import api_token_issue
from zhijia.challenge.models import ExerciseEntry, PointEntry
from zhijia.challenge.tests.conftest import PNG


def multipart(user, path, data):
    """Entries are multipart/form-data (they may carry a photo)."""
    token, _ = api_token_issue(user=user)
    return Client().post(path, data, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_staff_create_a_challenge_with_rules(api_client, staff, city):
    today = timezone.localdate()
    r = api_client.as_user(staff.fangshan).post("/api/v1/challenge", {
        "title": "房山健步走", "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=30)),
        "prize_count": 50, "rules": [{"kind": "walk", "points_per_unit": 1, "daily_cap": 20},
                                     {"kind": "run", "points_per_unit": 2, "daily_cap": 60, "max_speed": 20}]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["union"] == "房山区总工会" and [x["kind"] for x in body["rules"]] == ["walk", "run"]
    assert body["rules"][0]["max_per_day"] == 100000 and body["rules"][1]["max_per_day"] == 600
    bad = api_client.post("/api/v1/challenge", {"title": "x", "starts_on": str(today),
                                                "ends_on": str(today - dt.timedelta(days=1))})
    assert bad.status_code == 400 and "ends_on" in bad.json()["fields"]


def test_worker_flow_join_log_quiz_rank(api_client, worker, challenge):
    c = api_client.as_user(worker)
    listed = c.get("/api/v1/challenge").json()
    assert [x["id"] for x in listed] == [challenge.pk] and listed[0]["joined"] is False
    assert c.post(f"/api/v1/challenge/{challenge.pk}/join").status_code == 201
    assert c.post(f"/api/v1/challenge/{challenge.pk}/join").status_code == 409
    base = f"/api/v1/challenge/{challenge.pk}"
    r = multipart(worker, f"{base}/entries", {"kind": "walk", "steps": "15000"})
    assert r.status_code == 201, r.content
    assert (r.json()["points_awarded"], r.json()["capped"]) == (30, False)
    r = multipart(worker, f"{base}/entries", {"kind": "walk", "steps": "15000"})
    assert (r.json()["points_awarded"], r.json()["capped"]) == (10, True)
    r = multipart(worker, f"{base}/entries", {"kind": "walk", "steps": "1000"})
    assert r.status_code == 409 and r.json()["code"] == "daily_cap_reached"
    r = multipart(worker, f"{base}/entries", {"kind": "run", "minutes": "700"})
    assert r.status_code == 400 and "600" in r.json()["fields"]["minutes"]
    assert ExerciseEntry.objects.count() == 2

    quiz = c.get(f"{base}/quiz/today").json()
    assert len(quiz["questions"]) == 5 and quiz["daily_cap"] == 10
    q = quiz["questions"][0]
    answer = c.post(f"{base}/quiz/answers", {"question": q["id"], "choice": 0})
    assert answer.status_code == 201 and answer.json()["correct"] and answer.json()["points_awarded"] == 2
    assert c.post(f"{base}/quiz/answers", {"question": q["id"], "choice": 0}).status_code == 409
    assert c.get(f"{base}/quiz/today").json()["questions"][0]["answered"] is True

    me = c.get(f"{base}/me").json()
    assert (me["points"], me["rank"], me["participants"], me["today_exercise_points"]) == (42, 1, 1, 40)
    points = c.get(f"{base}/me/points").json()
    assert points["count"] == 3 and sum(p["points"] for p in points["items"]) == 42
    people = c.get(f"{base}/leaderboard/people").json()
    assert people[0]["points"] == 42 and people[0]["rank"] == 1 and "*" in people[0]["name"]
    unions = c.get(f"{base}/leaderboard/unions?by=total").json()
    assert unions["by"] == "total" and unions["items"][0]["total"] == 42
    assert c.get(f"{base}/leaderboard/unions?by=x").status_code == 400
    assert c.get(f"{base}/entries/mine").json()[0]["kind"] == "walk"


def test_photo_flag_review_and_reverse(api_client, joined, challenge, staff, city, make_worker_user):
    base = f"/api/v1/challenge/{challenge.pk}"
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload():
        return SimpleUploadedFile("shot.png", PNG, content_type="image/png")

    first = multipart(joined, f"{base}/entries", {"kind": "walk", "steps": "5000", "photo": upload()}).json()
    assert first["status"] == "counted" and len(first["photo_sha256"]) == 64
    other = make_worker_user(2, union=city.community)
    api_client.as_user(other).post(f"{base}/join")
    dup = multipart(other, f"{base}/entries", {"kind": "walk", "steps": "5000", "photo": upload()})
    assert dup.status_code == 201 and dup.json()["status"] == "flagged"

    s = api_client.as_user(staff.fangshan)
    flags = s.get(f"{base}/flags").json()
    assert flags["count"] == 1 and flags["items"][0]["id"] == dup.json()["id"]
    r = s.post(f"/api/v1/challenge/entries/{dup.json()['id']}/review", {"decision": "approve", "note": "本人确认"})
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["points_awarded"] == 10
    assert s.get(f"{base}/flags").json()["count"] == 0
    row = PointEntry.objects.filter(participant__worker__user=other).get()
    r = s.post(f"/api/v1/challenge/points/{row.pk}/reverse", {"reason": "截图为他人所有"})
    assert r.status_code == 201 and r.json()["points"] == -10
    assert s.post(f"/api/v1/challenge/points/{row.pk}/reverse", {"reason": "again"}).status_code == 409
    assert s.get(f"{base}/ledger").json()["count"] == 3


def test_sibling_staff_and_workers_get_404(api_client, staff, challenge, joined, city, make_worker_user):
    base = f"/api/v1/challenge/{challenge.pk}"
    h = api_client.as_user(staff.haidian)
    assert h.get("/api/v1/challenge").json() == []
    for path in (base, f"{base}/leaderboard/people", f"{base}/leaderboard/unions", f"{base}/prizes"):
        assert h.get(path).status_code == 404, path
    assert h.get(f"{base}/flags").json()["count"] == 0
    assert h.post(f"{base}/close").status_code == 404
    haidian_worker = make_worker_user(7, union=city.zhongguancun)
    w = api_client.as_user(haidian_worker)
    assert w.get("/api/v1/challenge").json() == []
    assert w.get(base).status_code == 404 and w.post(f"{base}/join").status_code == 404
    assert api_client.as_user(joined).post(f"{base}/close").status_code == 403


def test_close_and_prizes(api_client, staff, joined, challenge):
    multipart(joined, f"/api/v1/challenge/{challenge.pk}/entries", {"kind": "walk", "steps": "5000"})
    s = api_client.as_user(staff.fangshan)
    r = s.post(f"/api/v1/challenge/{challenge.pk}/close")
    assert r.status_code == 400 and "challenge" in r.json()["fields"]
    from zhijia.challenge.models import Challenge

    Challenge.objects.filter(pk=challenge.pk).update(ends_on=timezone.localdate() - dt.timedelta(days=2))
    r = s.post(f"/api/v1/challenge/{challenge.pk}/close")
    assert r.status_code == 201 and r.json()[0]["place"] == 1 and r.json()[0]["points"] == 10
    assert s.get(f"/api/v1/challenge/{challenge.pk}/prizes").json()[0]["name"] == joined.worker.name
    assert s.get(f"/api/v1/challenge/{challenge.pk}").json()["status"] == "closed"



def test_leaderboard_queries_do_not_grow_with_participants(api_client, city, challenge, joined, make_worker_user):
    """The people board is one query for its rows whatever their number (names and unions joined in)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhijia.challenge import services

    c = api_client.as_user(joined)

    def fresh_board_queries(expected_rows: int) -> int:
        services.leaderboard_cache_bump(challenge.pk)  # a new cache version: the read goes to the database
        with CaptureQueriesContext(connection) as ctx:
            assert len(c.get(f"/api/v1/challenge/{challenge.pk}/leaderboard/people").json()) == expected_rows
        return len(ctx.captured_queries)

    few = fresh_board_queries(1)
    for i in range(20, 32):
        services.challenge_join(make_worker_user(i, union=city.couriers), challenge_id=challenge.pk)
    assert fresh_board_queries(13) == few <= 8

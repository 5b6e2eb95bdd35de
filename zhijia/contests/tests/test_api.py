import datetime as dt
import io

from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from zhijia.contests.models import Contest, Entry, ExamAttempt, PracticeScore, Question, RoundResult
from zhijia.contests.tests.conftest import open_exam


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def test_staff_create_a_contest_with_rounds_and_a_sibling_sees_nothing(world, api_client, make_staff):
    now = timezone.now()
    body = {"title": "房山区快递员技能竞赛", "trade": "快递员", "kind": "labour", "occupation": "courier",
            "registration_opens_at": iso(now), "registration_closes_at": iso(now + dt.timedelta(days=7)),
            "capacity": 300,
            "rounds": [{"stage": "preliminary", "theory_weight": 100, "practice_weight": 0,
                        "advance_rule": "top_percent", "advance_value": 10},
                       {"stage": "final", "theory_weight": 30, "practice_weight": 70}]}
    r = api_client.as_user(world.fs).post("/api/v1/contests", body)
    assert r.status_code == 201, r.content
    contest_id = r.json()["id"]
    rounds = api_client.get(f"/api/v1/contests/{contest_id}/rounds").json()
    assert [(x["stage"], x["order"], x["stage_label"]) for x in rounds] == [("preliminary", 1, "初赛"),
                                                                             ("final", 2, "决赛")]
    # bad weights: 4xx in Chinese naming the field, nothing written
    body["title"] = "权重有误"
    body["rounds"][1]["practice_weight"] = 60
    r = api_client.post("/api/v1/contests", body)
    assert r.status_code == 400 and "rounds[1].theory_weight" in r.json()["fields"] and "100" in r.json()["message"]
    assert not Contest.objects.filter(title="权重有误").exists()
    hd = api_client.__class__().as_user(world.hd)
    assert hd.get("/api/v1/contests").json()["count"] == 0
    assert hd.get(f"/api/v1/contests/{contest_id}").status_code == 404
    assert hd.get(f"/api/v1/contests/{contest_id}/entries").status_code == 404


def test_worker_registers_takes_the_exam_and_late_answers_get_a_409(world, api_client):
    rnd = open_exam(world.fs, world.rounds[0])
    c = api_client.as_user(world.workers[0])
    assert [x["title"] for x in c.get("/api/v1/contests/open").json()] == [world.contest.title]
    r = c.post(f"/api/v1/contests/{world.contest.pk}/entries", {})
    assert r.status_code == 201 and r.json()["number"] == 1
    r = c.post(f"/api/v1/contests/{world.contest.pk}/entries", {})
    assert r.status_code == 409 and r.json()["fields"] == {"contest": "已报名该比赛，不能重复报名"}
    paper = c.post(f"/api/v1/contests/rounds/{rnd.pk}/exam").json()
    assert len(paper["questions"]) == 5 and 0 < paper["seconds_left"] <= 20 * 60
    assert all(q["correct"] is None for q in paper["questions"])  # no answer key before publication
    key = dict(Question.objects.values_list("id", "answer"))
    answers = {str(q["id"]): key[q["id"]] for q in paper["questions"]}
    first = next(iter(answers))
    r = c.post(f"/api/v1/contests/rounds/{rnd.pk}/exam/answers", {"answers": {first: answers[first]}})
    assert r.status_code == 200 and r.json()["submitted_at"] is None
    r = c.post(f"/api/v1/contests/rounds/{rnd.pk}/exam/answers", {"answers": {first: "Z"}})
    assert r.status_code == 400 and f"answers.{first}" in r.json()["fields"]
    # the deadline passes (plus the grace): the answers are refused, the saved one stays
    ExamAttempt.objects.update(started_at=timezone.now() - dt.timedelta(minutes=30),
                               deadline=timezone.now() - dt.timedelta(minutes=10))
    r = c.post(f"/api/v1/contests/rounds/{rnd.pk}/exam/answers", {"answers": answers, "submit": True})
    assert r.status_code == 409 and r.json()["code"] == "time_over" and "考试时间已到" in r.json()["message"]
    attempt = ExamAttempt.objects.get()
    assert attempt.submitted_at is None and attempt.answers == {first: answers[first]}


def test_judge_scores_out_of_range_is_a_400_and_publish_and_rankings(world, api_client):
    entries = [Entry.objects.create(contest=world.contest, worker=w.worker, union=world.city.community, number=i,
                                    reached_order=2) for i, w in enumerate(world.workers[:3], start=1)]
    semi = world.rounds[1]
    c = api_client.as_user(world.reviewer)
    r = c.post(f"/api/v1/contests/rounds/{semi.pk}/scores", {"entry": entries[0].pk, "score": 120})
    assert r.status_code == 400 and "score" in r.json()["fields"] and not PracticeScore.objects.exists()
    for e, s in zip(entries, [80, 90, 80], strict=True):
        assert c.post(f"/api/v1/contests/rounds/{semi.pk}/scores", {"entry": e.pk, "score": s}).status_code == 201
    r = c.post(f"/api/v1/contests/rounds/{semi.pk}/scores", {"entry": entries[0].pk, "score": 85})
    assert r.status_code == 409 and "reason" in r.json()["fields"]
    fs = api_client.__class__().as_user(world.fs)
    assert fs.post(f"/api/v1/contests/rounds/{semi.pk}/scores", {"entry": entries[0].pk, "score": 1}).status_code \
        == 403
    world.rounds[0].__class__.objects.filter(pk=world.rounds[0].pk).update(status="advanced")
    assert fs.post(f"/api/v1/contests/rounds/{semi.pk}/publish").json() == {"count": 3}
    rows = fs.get(f"/api/v1/contests/rounds/{semi.pk}/rankings").json()["items"]
    # no papers: totals are 60% of practice: 48, 54, 48 → ranks 1, 2, 2... by total: 54 first, then 48 and 48 tied
    assert [(x["number"], x["rank"], x["total"]) for x in rows] == [(2, 1, "54.00"), (1, 2, "48.00"),
                                                                     (3, 2, "48.00")]
    assert fs.post(f"/api/v1/contests/rounds/{semi.pk}/publish").status_code == 409
    assert RoundResult.objects.count() == 3


def test_question_import_from_xlsx_all_or_nothing(world, api_client):
    def sheet(rows):
        wb = Workbook()
        ws = wb.active
        ws.append(["分类", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值"])
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        buf.name = "bank.xlsx"
        return buf

    before = Question.objects.count()
    good = ["法规", "单选题", "劳动合同应当？", "书面订立", "口头约定", "无需订立", "", "A", 1]
    bad = ["法规", "多选题", "加班费标准？", "150%", "200%", "300%", "", "AE", 2]
    raw = Client()  # a multipart upload with the session
    raw.force_login(world.fs)
    r = raw.post(f"/api/v1/contests/{world.contest.pk}/questions/import", {"file": sheet([good, bad])})
    assert r.status_code == 400 and "第3行" in r.json()["message"] and Question.objects.count() == before
    tf = ["安全", "判断题", "疲劳驾驶是违法行为。", "", "", "", "", "正确", 1]
    r = raw.post(f"/api/v1/contests/{world.contest.pk}/questions/import", {"file": sheet([good, tf])})
    assert r.status_code == 201 and r.json() == {"count": 2}
    q = Question.objects.get(text="疲劳驾驶是违法行为。")
    assert (q.kind, q.options, q.answer) == ("true_false", ["正确", "错误"], "A")


def test_certificate_number_verification_is_public(world, api_client):
    r = api_client.get("/api/v1/contests/certificates/JS2026000100001-ABCD")
    assert r.status_code == 200 and r.json()["valid"] is False


def test_my_entries_show_results_only_once_published_and_lists_keep_their_query_count(
        world, api_client, django_assert_max_num_queries):
    from zhijia.contests import services

    for w in world.workers:
        services.entry_register(w, contest_id=world.contest.pk)
    prelim = world.rounds[0]
    now = timezone.now()
    entry = Entry.objects.get(worker=world.workers[0].worker)
    ExamAttempt.objects.create(round=prelim, entry=entry, seed="s", question_ids=[], started_at=now,
                               deadline=now + dt.timedelta(minutes=1), submitted_at=now, points=8, max_points=10,
                               score=80)
    c = api_client.as_user(world.workers[0])
    mine = c.get("/api/v1/contests/mine").json()
    assert mine[0]["number"] == entry.number and mine[0]["rounds"][0]["submitted"] is True
    assert mine[0]["rounds"][0]["result"] is None and [r["reached"] for r in mine[0]["rounds"]] == [True, False, False]
    services.round_publish(world.fs, round_id=prelim.pk)
    mine = c.get("/api/v1/contests/mine").json()
    assert mine[0]["rounds"][0]["result"]["rank"] == 1 and mine[0]["rounds"][0]["result"]["total"] == "80.00"
    fs = api_client.__class__().as_user(world.fs)
    with django_assert_max_num_queries(8):
        assert fs.get(f"/api/v1/contests/{world.contest.pk}/entries").json()["count"] == 6
    with django_assert_max_num_queries(8):
        assert len(fs.get(f"/api/v1/contests/rounds/{prelim.pk}/rankings").json()["items"]) == 6
    with django_assert_max_num_queries(6):
        assert fs.get("/api/v1/contests").json()["count"] == 1

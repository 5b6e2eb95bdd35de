import datetime as dt

from django.test import Client
from django.utils import timezone

from zhijia.contests import services
from zhijia.contests.models import Contest, Entry, ExamAttempt, PracticeScore, Question
from zhijia.contests.tests.conftest import open_exam


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_console_creates_a_contest_and_a_sibling_district_sees_none_of_it(world):
    c = signed_in(world.fs)
    r = c.post("/console/contests/", {"title": "城关街道快递员竞赛", "trade": "快递员", "kind": "labour",
                                      "registration_opens_at": "2026-01-01T09:00",
                                      "registration_closes_at": "2026-01-31T18:00"}, follow=True)
    body = r.content.decode()
    assert "已创建比赛" in body and "初赛" in body and "复赛" in body and "决赛" in body
    contest = Contest.objects.get(title="城关街道快递员竞赛")
    r = c.post("/console/contests/", {"title": "日期有误", "trade": "快递员",
                                      "registration_opens_at": "2026-02-01T09:00",
                                      "registration_closes_at": "2026-01-31T18:00"}, follow=True)
    assert "报名截止时间应晚于报名开始时间" in r.content.decode()
    hd = signed_in(world.hd)
    assert "城关街道快递员竞赛" not in hd.get("/console/contests/").content.decode()
    assert hd.get(f"/console/contests/{contest.pk}/").status_code == 404
    assert hd.get(f"/console/contests/{contest.pk}/questions/").status_code == 404


def test_console_round_settings_entries_and_question_bank(world):
    c = signed_in(world.fs)
    m = world.workers[0].worker.memberships.get()
    r = c.post(f"/console/contests/{world.contest.pk}/", {"action": "register", "member_number": m.member_number},
               follow=True)
    assert f"已为{world.workers[0].worker.name}报名" in r.content.decode()
    semi = world.rounds[1]
    r = c.post(f"/console/contests/{world.contest.pk}/", {
        "action": "round", "round": semi.pk, "theory_weight": "50", "practice_weight": "60",
        "advance_rule": "top_n", "advance_value": "47", "exam_minutes": "30", "paper_spec": "调度业务:3"}, follow=True)
    assert "理论权重与实操权重之和应为100" in r.content.decode()
    r = c.post(f"/console/contests/{world.contest.pk}/", {
        "action": "round", "round": semi.pk, "theory_weight": "40", "practice_weight": "60",
        "advance_rule": "top_n", "advance_value": "47", "exam_minutes": "30", "paper_spec": "调度业务:3，安全规范:2"},
        follow=True)
    assert "赛程设置已保存" in r.content.decode()
    semi.refresh_from_db()
    assert semi.paper_spec == {"调度业务": 3, "安全规范": 2} and semi.advance_value == 47
    r = c.get(f"/console/contests/{world.contest.pk}/questions/")
    assert "发车间隔由谁调整" in r.content.decode()
    r = c.post(f"/console/contests/{world.contest.pk}/questions/", {
        "category": "法规政策", "kind": "multiple", "text": "劳动合同条款？", "option_A": "报酬", "option_B": "工时",
        "option_C": "爱好", "answer": "AE", "points": "2"}, follow=True)
    assert "答案应为选项字母" in r.content.decode() and not Question.objects.filter(text="劳动合同条款？").exists()


def test_judge_scores_on_the_form_and_a_second_score_needs_a_reason(world):
    entry = Entry.objects.create(contest=world.contest, worker=world.workers[0].worker, union=world.city.community,
                                 number=1, reached_order=2)
    semi = world.rounds[1]
    assert signed_in(world.fs).get(f"/console/contests/rounds/{semi.pk}/score/").status_code == 403
    c = signed_in(world.reviewer)
    page = c.get(f"/console/contests/rounds/{semi.pk}/score/").content.decode()
    assert world.workers[0].worker.name in page and "未评" in page
    r = c.post(f"/console/contests/rounds/{semi.pk}/score/", {"entry": entry.pk, "score": "101"}, follow=True)
    assert "实操成绩应在0到100之间" in r.content.decode() and not PracticeScore.objects.exists()
    c.post(f"/console/contests/rounds/{semi.pk}/score/", {"entry": entry.pk, "score": "86.5"})
    r = c.post(f"/console/contests/rounds/{semi.pk}/score/", {"entry": entry.pk, "score": "88"}, follow=True)
    assert "如需更正，请填写更正原因" in r.content.decode()
    r = c.post(f"/console/contests/rounds/{semi.pk}/score/", {"entry": entry.pk, "score": "88", "reason": "漏计一项"},
               follow=True)
    assert "已录入实操成绩" in r.content.decode() and "更正1次" in r.content.decode()


def test_worker_registers_takes_the_exam_on_the_page_and_sees_the_result_after_publication(world, make_worker_user):
    rnd = open_exam(world.fs, world.rounds[0])
    w = signed_in(world.workers[0])
    home = w.get("/w/contests/").content.decode()
    assert world.contest.title in home and "还没有报名比赛" in home
    r = w.post(f"/w/contests/{world.contest.pk}/register/", follow=True)
    assert "报名成功" in r.content.decode() and "参加理论考试" in r.content.decode()
    r = w.post(f"/w/contests/{world.contest.pk}/register/", follow=True)
    assert "已报名该比赛，不能重复报名" in r.content.decode()
    assert "开始考试" in w.get(f"/w/contests/rounds/{rnd.pk}/exam/").content.decode()
    w.post(f"/w/contests/rounds/{rnd.pk}/exam/")
    page = w.get(f"/w/contests/rounds/{rnd.pk}/exam/").content.decode()
    assert 'id="countdown"' in page and "js/contests" in page and "<script>" not in page
    attempt = ExamAttempt.objects.get()
    key = dict(Question.objects.values_list("id", "answer"))
    form = {f"q{qid}": list(key[qid]) for qid in attempt.question_ids}
    r = w.post(f"/w/contests/rounds/{rnd.pk}/exam/", {**form, "action": "submit"}, follow=True)
    assert "已交卷" in r.content.decode() and "成绩将在本轮公布后显示" in r.content.decode()
    ExamAttempt.objects.update(started_at=timezone.now() - dt.timedelta(minutes=30),
                               deadline=timezone.now() - dt.timedelta(minutes=1))
    type(rnd).objects.filter(pk=rnd.pk).update(exam_closes_at=timezone.now() - dt.timedelta(minutes=1))
    services.round_publish(world.fs, round_id=rnd.pk)
    page = w.get(f"/w/contests/rounds/{rnd.pk}/exam/").content.decode()
    assert "100.00 分" in page and "第1名" in page
    assert "第<strong>1</strong>名" in w.get("/w/contests/").content.decode()
    # a non-member sees no contest and cannot register
    outsider = signed_in(make_worker_user(60))
    assert "暂无可报名的比赛" in outsider.get("/w/contests/").content.decode()
    r = outsider.post(f"/w/contests/{world.contest.pk}/register/", follow=True)
    assert "仅限在会会员报名" in r.content.decode()


def test_an_expired_paper_is_not_shown_for_answering(world):
    rnd = open_exam(world.fs, world.rounds[0])
    services.entry_register(world.workers[0], contest_id=world.contest.pk)
    services.exam_start(world.workers[0], round_id=rnd.pk)
    ExamAttempt.objects.update(started_at=timezone.now() - dt.timedelta(hours=1),
                               deadline=timezone.now() - dt.timedelta(minutes=5))
    page = signed_in(world.workers[0]).get(f"/w/contests/rounds/{rnd.pk}/exam/").content.decode()
    assert "考试时间已到" in page and 'id="exam-form"' not in page


def test_certificate_verification_page_is_public(world):
    r = Client().get("/contests/verify/?number=JS2026000100001-ABCD")
    assert r.status_code == 200 and "查无此证书" in r.content.decode()


def test_a_judge_from_elsewhere_sees_the_contest_scores_but_cannot_publish(world):
    services.judge_assign(world.fs, contest_id=world.contest.pk, user_id=world.hd_reviewer.pk)
    c = signed_in(world.hd_reviewer)
    assert world.contest.title in c.get("/console/contests/").content.decode()
    page = c.get(f"/console/contests/{world.contest.pk}/").content.decode()
    assert "公布成绩" not in page and f"/console/contests/rounds/{world.rounds[1].pk}/score/" in page
    r = c.post(f"/console/contests/{world.contest.pk}/", {"action": "publish", "round": world.rounds[0].pk},
               follow=True)
    assert "没有权限" in r.content.decode()
    assert world.rounds[0].__class__.objects.get(pk=world.rounds[0].pk).status == "open"
    # the sibling district's other staff still see nothing
    assert world.contest.title not in signed_in(world.hd).get("/console/contests/").content.decode()


def test_the_exam_page_of_a_contest_not_entered_is_not_found(world):
    r = signed_in(world.workers[0]).get(f"/w/contests/rounds/{world.rounds[0].pk}/exam/")
    assert r.status_code == 404 and "没有报名" in r.content.decode()

"""Selection pages: the console for organisers, reviewers and experts; the worker's vote (htmx) and honours; a
browser run of a worker voting and an expert scoring, with screenshots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhijia.conftest import screenshot
from zhijia.honors import services
from zhijia.honors.models import Candidate, Score, Selection, Stage, Vote, VoteStatus
from zhijia.members.models import Worker


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _to_expert_review(s, staff, make_staff, city, n_experts=1):
    services.criteria_set(staff, selection_id=s.pk, criteria=[
        {"name": "专业技能", "weight": "0.3"}, {"name": "服务水平", "weight": "0.3"},
        {"name": "职业道德", "weight": "0.2"}, {"name": "社会贡献", "weight": "0.2"}])
    experts = [make_staff(f"expert{i}", city.root, role="reviewer") for i in range(n_experts)]
    for e in experts:
        services.expert_add(staff, selection_id=s.pk, user_id=e.pk)
    Selection.objects.filter(pk=s.pk).update(vote_ends_at=timezone.now())
    services.selection_advance(staff, selection_id=s.pk)
    return experts


def test_console_pages_for_the_organiser_and_nothing_for_a_sibling(city, make_staff, make_selection, member):
    s, (a, *_) = make_selection()
    staff = s.created_by
    from zhijia.accounts.models import User

    newbie = member(1, city.chengguan)
    User.objects.filter(pk=newbie.pk).update(date_joined=timezone.now())
    newbie.refresh_from_db()
    services.vote_cast(newbie, candidate_id=a.pk)
    client = signed_in(staff)
    r = client.get("/console/honors/")
    assert r.status_code == 200 and "最美出租汽车司机" in r.content.decode()
    page = client.get(f"/console/honors/{s.pk}/").content.decode()
    assert "网络投票" in page and "候选人0" in page and "进入下一环节：专家评审" in page
    q = client.get(f"/console/honors/{s.pk}/quarantine/").content.decode()
    assert "新注册账号" in q
    vote = Vote.objects.get()
    r = client.post(f"/console/honors/{s.pk}/quarantine/", {"votes": [vote.pk], "decision": "reject", "note": ""},
                    follow=True)
    assert "判定无效须填写说明" in r.content.decode()
    r = client.post(f"/console/honors/{s.pk}/quarantine/", {"votes": [vote.pk], "decision": "accept"}, follow=True)
    assert "已计为有效票" in r.content.decode() and Vote.objects.get().status == VoteStatus.COUNTED
    r = client.post(f"/console/honors/{s.pk}/", {"action": "advance"}, follow=True)
    assert "投票尚未结束" in r.content.decode()
    for path in ("review/", "results/", "notice/"):
        assert client.get(f"/console/honors/{s.pk}/{path}").status_code == 200, path
    assert client.get("/console/honors/honours/").status_code == 200
    sibling = signed_in(make_staff("hd", city.haidian))
    assert f"/console/honors/{s.pk}/" not in sibling.get("/console/honors/").content.decode()
    for path in ("", "review/", "quarantine/", "results/", "notice/", "scoring/"):
        assert sibling.get(f"/console/honors/{s.pk}/{path}").status_code == 404, path


def test_material_review_page_needs_a_reason_to_refuse(city, make_selection):
    s, (a, b, _) = make_selection(stage=Stage.MATERIAL_REVIEW)
    client = signed_in(s.created_by)
    page = client.get(f"/console/honors/{s.pk}/review/").content.decode()
    assert "事迹材料完整" in page and "待审核 3 名" in page
    r = client.post(f"/console/honors/{s.pk}/review/", {"candidate": a.pk, "check-0": "on"}, follow=True)
    assert "未通过须填写理由" in r.content.decode()
    checks = {f"check-{i}": "on" for i in range(len(s.checklist))}
    r = client.post(f"/console/honors/{s.pk}/review/", {"candidate": a.pk, **checks}, follow=True)
    assert "审核结果已保存" in r.content.decode() and Candidate.objects.get(pk=a.pk).status == "passed"
    client.post(f"/console/honors/{s.pk}/review/", {"candidate": b.pk, "reason": "缺少单位证明"})
    assert Candidate.objects.get(pk=b.pk).status == "rejected"


def test_worker_votes_with_htmx_and_sees_votes_left(city, make_selection, member, make_worker_user):
    s, (a, *_) = make_selection(votes_per_day=2)
    worker = signed_in(member(5, city.chengguan))
    assert "最美出租汽车司机" in worker.get("/w/honors/").content.decode()
    page = worker.get(f"/w/honors/{s.pk}/").content.decode()
    assert "今日还可投 <strong>2</strong> 票" in page and "候选人0" in page
    assert "驾驶出租汽车二十年" in worker.get(f"/w/honors/candidates/{a.pk}/").content.decode()
    r = worker.post(f"/w/honors/candidates/{a.pk}/vote/", HTTP_HX_REQUEST="true")
    assert "投票成功" in r.content.decode() and 'class="left-count">1<' in r.content.decode()
    worker.post(f"/w/honors/candidates/{a.pk}/vote/", HTTP_HX_REQUEST="true")
    r = worker.post(f"/w/honors/candidates/{a.pk}/vote/", HTTP_HX_REQUEST="true")
    assert "今天的2票已经投完" in r.content.decode() and Vote.objects.count() == 2
    outsider = signed_in(make_worker_user(6))
    assert "仅在会会员可以投票" in outsider.get("/w/honors/").content.decode()
    r = outsider.post(f"/w/honors/candidates/{a.pk}/vote/", HTTP_HX_REQUEST="true")
    assert "仅在会会员可以投票" in r.content.decode() and Vote.objects.count() == 2


def test_my_honours_page(city, make_staff, member):
    user = member(7, city.chengguan)
    services.honour_record(make_staff("fs", city.fangshan), worker_id=Worker.objects.get(user=user).pk,
                           kind="model_worker", title="北京市劳动模范", level="municipal", year=2020)
    page = signed_in(user).get("/w/honors/mine/").content.decode()
    assert "北京市劳动模范" in page and "2020年 · 市级 · 劳动模范" in page


def test_expert_scoring_page_refuses_out_of_range_and_recused(city, make_staff, make_selection):
    s, (a, b, _) = make_selection()
    (expert,) = _to_expert_review(s, s.created_by, make_staff, city)
    client = signed_in(expert)
    page = client.get(f"/console/honors/{s.pk}/scoring/").content.decode()
    assert "专业技能（0–100）" in page and "待评 3 名" in page
    criteria = list(s.criteria.all())
    form = {"candidate": a.pk} | {f"criterion-{c.pk}": "80" for c in criteria} | {f"criterion-{criteria[0].pk}": "101"}
    r = client.post(f"/console/honors/{s.pk}/scoring/", form, follow=True)
    assert "分数应在0到100之间" in r.content.decode() and Score.objects.count() == 0
    r = client.post(f"/console/honors/{s.pk}/scoring/", {"action": "conflict", "candidate": b.pk, "reason": "亲属"},
                    follow=True)
    assert "已声明回避" in r.content.decode()
    assert "不能为该候选人评分" in client.get(f"/console/honors/{s.pk}/scoring/?candidate={b.pk}").content.decode()


@pytest.mark.browser
def test_browser_worker_votes_and_expert_scores(browser_page, transactional_db, city, make_staff, make_selection,
                                                member):
    page = browser_page
    s, (a, *_) = make_selection(n=3, votes_per_day=2)
    Candidate.objects.filter(pk=a.pk).update(name="马玉芬", employer="北京北汽出租汽车集团")
    voter = member(1, city.chengguan)

    def login(user):
        client = Client()
        client.force_login(user)
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                   "url": page.base_url}])

    login(voter)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/w/honors/")
    screenshot(page, "honors-worker-list")
    page.click(".selection-item")
    page.locator(f"#candidate-{a.pk}").wait_for()
    screenshot(page, "honors-worker-selection")
    page.goto(page.base_url + f"/w/honors/candidates/{a.pk}/")
    page.click(f"#vote-{a.pk} .vote-btn")
    page.locator(".vote-result", has_text="投票成功").wait_for()
    assert page.locator(".left-count").inner_text() == "1"
    screenshot(page, "honors-worker-voted")
    page.click(f"#vote-{a.pk} .vote-btn")
    page.locator(".left-count", has_text="0").wait_for()
    assert Vote.objects.filter(status="counted").count() == 2

    staff = s.created_by
    Vote.objects.update(day=timezone.localdate() - dt.timedelta(days=1))  # keep the ledger, free the day
    (expert,) = _to_expert_review(s, staff, make_staff, city)
    login(expert)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(page.base_url + f"/console/honors/{s.pk}/scoring/?candidate={a.pk}")
    criteria = list(s.criteria.all())
    for crit, value in zip(criteria, ["92", "88", "95", "90"], strict=True):
        page.fill(f"input[name=criterion-{crit.pk}]", value)
    screenshot(page, "honors-console-scoring")
    page.click("#score-form button")
    page.locator(".flash", has_text="评分已保存").wait_for()
    assert Score.objects.filter(expert__user=expert, candidate=a).count() == 4
    page.fill("#conflict-form input[name=reason]", "同一车队同事")
    page.click("#conflict-form button")
    page.locator(".flash", has_text="已声明回避").wait_for()

    login(staff)
    page.goto(page.base_url + f"/console/honors/{s.pk}/results/")
    assert "马玉芬" in page.locator("#results").inner_text()
    screenshot(page, "honors-console-results")
    page.goto(page.base_url + f"/console/honors/{s.pk}/")
    screenshot(page, "honors-console-detail")
    page.goto(page.base_url + "/console/honors/")
    screenshot(page, "honors-console-list")


def test_worker_sees_the_public_notice_and_objects(city, make_staff, member):
    staff = make_staff("fs", city.fangshan)
    s = services.selection_create(staff, title="房山区最美快递员", stages=["nomination", "public_notice", "final"],
                                  shortlist_size=2, top_size=1)
    story = "从业十年，日均派件二百余件，连续五年零投诉。"
    _, b, _ = [services.candidate_nominate(staff, selection_id=s.pk, name=n, union_id=city.couriers.pk, story=story)
               for n in ("甲", "乙", "丙")]
    services.selection_advance(staff, selection_id=s.pk)
    worker = signed_in(member(9, city.couriers))
    assert "房山区最美快递员 · 公示中" in worker.get("/w/honors/").content.decode()
    page = worker.get(f"/w/honors/{s.pk}/notice/").content.decode()
    assert "1. 甲" in page and "2. 乙" in page and "丙" not in page and "提出异议" in page
    r = worker.post(f"/w/honors/{s.pk}/notice/", {"candidate": b.pk, "text": "短"}, follow=True)
    assert "请写明异议的事实和理由" in r.content.decode()
    r = worker.post(f"/w/honors/{s.pk}/notice/", {"candidate": b.pk, "text": "该快递员曾多次违规投递"}, follow=True)
    assert "异议已提交" in r.content.decode()
    assert "该快递员曾多次违规投递" in signed_in(staff).get(f"/console/honors/{s.pk}/notice/").content.decode()

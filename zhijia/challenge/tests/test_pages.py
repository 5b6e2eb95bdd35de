import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhijia.challenge import services
from zhijia.challenge.models import ExerciseEntry, Participant, Prize
from zhijia.challenge.tests.conftest import PNG, make_challenge, photo
from zhijia.conftest import screenshot


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_worker_joins_logs_and_sees_points_from_the_pages(worker, challenge):
    c = signed_in(worker)
    home = c.get("/w/challenge/").content.decode()
    assert challenge.title in home and "报名参赛" in home
    r = c.post(f"/w/challenge/{challenge.pk}/join/", follow=True)
    assert "报名成功" in r.content.decode()
    today = timezone.localdate().isoformat()
    r = c.post(f"/w/challenge/{challenge.pk}/log/", {"date": today, "kind": "walk", "amount": "25000"}, follow=True)
    html = r.content.decode()
    assert "获得40贡献值" in html and "已达当日上限" in html and 'data-testid="points">40<' in html
    r = c.post(f"/w/challenge/{challenge.pk}/log/", {"date": today, "kind": "walk", "amount": "1000"}, follow=True)
    assert "已达上限，本次未计入" in r.content.decode() and ExerciseEntry.objects.count() == 1
    r = c.post(f"/w/challenge/{challenge.pk}/log/", {"date": today, "kind": "run", "amount": "900"}, follow=True)
    assert "不能超过600分钟" in r.content.decode()
    r = c.post(f"/w/challenge/{challenge.pk}/log/", {"date": today, "kind": "fitness", "amount": "20",
                                                     "photo": photo()}, follow=True)
    assert "获得20贡献值" in r.content.decode()
    r = c.post(f"/w/challenge/{challenge.pk}/log/", {"date": today, "kind": "ball", "amount": "20",
                                                     "photo": photo()}, follow=True)
    assert "待工作人员审核" in r.content.decode() and "照片与打卡" in r.content.decode()
    # With one challenge joined, /w/challenge/ goes straight to it.
    assert c.get("/w/challenge/")["Location"].endswith(f"/w/challenge/{challenge.pk}/")


def test_quiz_page_marks_answers(joined, challenge):
    c = signed_in(joined)
    html = c.get(f"/w/challenge/{challenge.pk}/quiz/").content.decode()
    assert html.count('type="radio"') == 15  # 5 questions, 3 choices each
    _, day, _ = services.quiz_draw(joined, challenge_id=challenge.pk)
    r = c.post(f"/w/challenge/{challenge.pk}/quiz/", {"question": day.quiz_question_ids[0], "choice": "0"},
               follow=True)
    assert "回答正确，+2贡献值" in r.content.decode()
    r = c.post(f"/w/challenge/{challenge.pk}/quiz/", {"question": day.quiz_question_ids[1], "choice": "2"},
               follow=True)
    assert "回答错误" in r.content.decode() and 'data-testid="quiz-points">2<' in r.content.decode()


def test_board_pages(city, joined, challenge, make_worker_user):
    services.exercise_log(joined, challenge_id=challenge.pk, date=timezone.localdate(), kind="walk", steps=5000)
    c = signed_in(joined)
    html = c.get(f"/w/challenge/{challenge.pk}/board/").content.decode()
    assert 'data-testid="my-rank">第1名<' in html and 'class="me"' in html
    html = c.get(f"/w/challenge/{challenge.pk}/board/?tab=unions&by=total").content.decode()
    assert "某社区工会" in html and "合计10" in html
    stranger = make_worker_user(9, union=city.zhongguancun)
    assert signed_in(stranger).get(f"/w/challenge/{challenge.pk}/board/").status_code == 404


def test_console_setup_review_and_close(city, staff, joined, challenge):
    c = signed_in(staff.fangshan)
    today = timezone.localdate()
    r = c.post("/console/challenge/", {"title": "房山职工健步走", "starts_on": today.isoformat(),
                                       "ends_on": (today + dt.timedelta(days=30)).isoformat(),
                                       "daily_exercise_cap": "80", "quiz_questions_per_day": "3",
                                       "quiz_points_per_correct": "2", "quiz_daily_cap": "6", "prize_count": "100"},
               follow=True)
    assert "挑战赛已创建" in r.content.decode()
    services.exercise_log(joined, challenge_id=challenge.pk, date=today, kind="walk", steps=5000, photo=photo())
    dup = services.exercise_log(joined, challenge_id=challenge.pk, date=today - dt.timedelta(days=1), kind="walk",
                                steps=5000, photo=photo())
    html = c.get(f"/console/challenge/{challenge.pk}/").content.decode()
    assert "照片与打卡" in html and "存疑打卡" in html
    r = c.post(f"/console/challenge/{challenge.pk}/review/{dup.pk}/", {"decision": "approve"}, follow=True)
    assert "已通过" in r.content.decode() and ExerciseEntry.objects.get(pk=dup.pk).points_awarded == 10
    r = c.post(f"/console/challenge/{challenge.pk}/questions/", {"text": "12351是什么热线？", "choice0": "职工服务热线",
                                                                 "choice1": "天气预报", "answer": "0"}, follow=True)
    assert "题目已加入题库" in r.content.decode()
    r = c.post(f"/console/challenge/{challenge.pk}/close/", follow=True)
    assert "补录期结束后" in r.content.decode() and not Prize.objects.exists()
    from zhijia.challenge.models import Challenge

    Challenge.objects.filter(pk=challenge.pk).update(ends_on=today - dt.timedelta(days=2))
    r = c.post(f"/console/challenge/{challenge.pk}/close/", follow=True)
    assert "奖品已颁发" in r.content.decode() and joined.worker.name in r.content.decode()
    assert signed_in(staff.haidian).get(f"/console/challenge/{challenge.pk}/").status_code == 404
    listing = signed_in(staff.haidian).get("/console/challenge/").content.decode()
    assert f"/console/challenge/{challenge.pk}/" not in listing
    assert signed_in(joined).get("/console/challenge/").status_code == 403


def _login(page, username: str, next_url: str) -> None:
    page.goto(page.base_url + f"/accounts/w/login/?next={next_url}")
    page.click("summary")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[name=action][value=password]")


@pytest.mark.browser
def test_worker_logs_exercise_and_sees_the_rank(transactional_db, browser_page, city, make_staff, make_worker_user,
                                                tmp_path):
    """On a phone-sized screen: join, log a walk with a screenshot, see points and rank, open the leaderboard."""
    staff = make_staff("fs1", city.fangshan)
    challenge = make_challenge(staff, city.fangshan, title="冬奥有我·精彩前行 职工线上运动挑战赛")
    rivals = [make_worker_user(i, union=city.couriers) for i in (2, 3)]
    for u, steps in zip(rivals, (20000, 5000), strict=True):
        services.challenge_join(u, challenge_id=challenge.pk)
        services.exercise_log(u, challenge_id=challenge.pk, date=timezone.localdate(), kind="walk", steps=steps)
    make_worker_user(1, union=city.community)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, "w000001", "/w/challenge/")
    page.wait_for_selector("[data-testid=join]")
    screenshot(page, "challenge_worker_join")
    page.click("[data-testid=join]")
    page.wait_for_selector("[data-testid=log]")
    page.select_option("select[name=kind]", "walk")
    page.fill("input[name=amount]", "12000")
    shot = tmp_path / "steps.png"
    shot.write_bytes(PNG)
    page.set_input_files("input[name=photo]", str(shot))
    page.click("[data-testid=log]")
    page.wait_for_selector(".flash")
    assert "获得24贡献值" in page.locator(".flash").first.inner_text()
    assert page.locator("[data-testid=points]").inner_text() == "24"
    assert page.locator("[data-testid=rank]").inner_text() == "第2名"  # 40 > 24 > 10
    screenshot(page, "challenge_worker_logged")
    page.click("[data-testid=board-link]")
    page.wait_for_selector("[data-testid=people]")
    assert page.locator("[data-testid=my-rank]").inner_text() == "第2名"
    assert page.locator("li.me .pts").inner_text() == "24"
    screenshot(page, "challenge_worker_board")
    page.goto(page.base_url + f"/w/challenge/{challenge.pk}/quiz/")
    page.wait_for_selector(".quiz-q")
    page.locator(".quiz-q").first.locator("input[type=radio]").first.check()
    page.locator(".quiz-q").first.locator("button").click()
    page.wait_for_selector(".flash")
    screenshot(page, "challenge_worker_quiz")
    p = Participant.objects.get(worker__user__username="w000001")
    assert p.total_points == 26 and ExerciseEntry.objects.get(participant=p).photo_sha256


@pytest.mark.browser
def test_staff_reviews_a_duplicate_photo_in_the_console(transactional_db, browser_page, city, make_staff,
                                                        make_worker_user):
    staff = make_staff("fs1", city.fangshan)
    challenge = make_challenge(staff, city.fangshan, title="冬奥有我·精彩前行 职工线上运动挑战赛")
    users = [make_worker_user(i, union=u) for i, u in ((1, city.community), (2, city.couriers))]
    for u in users:
        services.challenge_join(u, challenge_id=challenge.pk)
        services.exercise_log(u, challenge_id=challenge.pk, date=timezone.localdate(), kind="walk", steps=9000,
                              photo=photo())
    page = browser_page
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "fs1")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")
    page.goto(f"{page.base_url}/console/challenge/")
    page.wait_for_selector("text=新建挑战赛")
    screenshot(page, "challenge_console_list")
    page.goto(f"{page.base_url}/console/challenge/{challenge.pk}/")
    page.wait_for_selector("[data-testid=flags]")
    assert "照片与打卡" in page.locator("[data-testid=flags]").inner_text()
    screenshot(page, "challenge_console_detail")
    page.click("[data-testid=flags] button[value=approve]")
    page.wait_for_selector("text=没有待审核的打卡")
    assert Participant.objects.get(worker__user=users[1]).total_points == 18

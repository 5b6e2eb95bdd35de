import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhijia.conftest import screenshot
from zhijia.wellbeing import services
from zhijia.wellbeing.models import Assessment, Booking


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_worker_pages_render(worker, slot, counsellor):
    c = signed_in(worker)
    for url in ("/w/wellbeing/", "/w/wellbeing/assess/phq9/", "/w/wellbeing/assess/gad7/", "/w/wellbeing/slots/",
                "/w/wellbeing/bookings/", "/w/wellbeing/quick/", "/w/volunteers/"):
        r = c.get(url)
        assert r.status_code == 200, url
    assert "有不如死掉或用某种方式伤害自己的念头" in c.get("/w/wellbeing/assess/phq9/").content.decode()
    assert counsellor.name in c.get("/w/wellbeing/slots/").content.decode()


def test_worker_books_and_cancels_from_the_page(worker, slot):
    c = signed_in(worker)
    r = c.post("/w/wellbeing/book/", {"slot": slot.pk}, follow=True)
    assert "预约成功" in r.content.decode()
    booking = Booking.objects.get()
    r = c.post(f"/w/wellbeing/bookings/{booking.pk}/cancel/", follow=True)
    assert "已取消预约" in r.content.decode()


def test_page_assessment_with_crisis_answer_shows_hotlines(worker):
    c = signed_in(worker)
    data = {f"q{i}": "0" for i in range(1, 10)} | {"q9": "1"}
    html = c.post("/w/wellbeing/assess/phq9/", data).content.decode()
    assert "12356" in html and "您并不孤单" in html
    assert Assessment.objects.get().crisis


def test_page_missing_answers_names_the_questions(worker):
    r = signed_in(worker).post("/w/wellbeing/assess/gad7/", {"q1": "1"})
    assert r.status_code == 400 and "请回答第2" in r.content.decode()
    assert not Assessment.objects.exists()


def test_visitor_can_take_an_anonymous_assessment(db):
    r = Client().post("/w/wellbeing/assess/gad7/", {f"q{i}": "3" for i in range(1, 8)})
    assert r.status_code == 200 and "重度焦虑症状" in r.content.decode()
    assert Assessment.objects.get().worker_id is None


def test_counsellor_desk_and_staff_report(worker, counsellor, staff, slot):
    a = services.assessment_submit(worker, scale="phq9", answers=[0] * 8 + [2])
    desk = signed_in(counsellor.user)
    html = desk.get("/console/wellbeing/").content.decode()
    assert "心理咨询台" in html and "确认后显示联系方式" in html
    desk.post("/console/wellbeing/desk/", {"action": "ack", "id": a.crisis_flag.pk})
    assert worker.worker.name in desk.get("/console/wellbeing/").content.decode()
    report = signed_in(staff.fangshan).get("/console/wellbeing/").content.decode()
    assert "心理关爱与志愿服务统计" in report and worker.worker.name not in report
    x = signed_in(staff.fangshan).get("/console/wellbeing/report.xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    assert signed_in(worker).get("/console/wellbeing/").status_code == 403


@pytest.mark.browser
def test_worker_takes_phq9_and_sees_the_safety_message(transactional_db, browser_page, city, make_worker_user):
    """A worker answers item 9 above 0: the safety message appears at once, and again with the result."""
    make_worker_user(1, union=city.community)
    page = browser_page
    page.goto(page.base_url + "/accounts/w/login/?next=/w/wellbeing/assess/phq9/")
    page.click("summary")
    page.fill("input[name=username]", "w000001")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[name=action][value=password]")
    page.wait_for_url("**/w/wellbeing/assess/phq9/")
    assert not page.locator("#safety").is_visible()
    for i in range(1, 9):
        page.check(f"input[name=q{i}][value='1']")
    page.check("input[name=q9][value='2']")
    page.locator("#safety").wait_for(state="visible", timeout=3000)
    assert "12356" in page.locator("#safety").inner_text()
    screenshot(page, "wellbeing_crisis_before_submit")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=score]")
    assert page.locator("[data-testid=score]").inner_text().startswith("10")
    assert page.locator("#safety").is_visible()
    screenshot(page, "wellbeing_crisis_result")
    assert Assessment.objects.get().crisis_flag.acknowledged_at is None
    assert timezone.now() < Assessment.objects.get().crisis_flag.due_at < timezone.now() + dt.timedelta(hours=1)

"""In a real browser: an agent takes a call in under a minute with the keyboard, and the worker rates the answer."""

from __future__ import annotations

import time

import pytest

from zhijia.appeals import services
from zhijia.appeals.models import Appeal, Status
from zhijia.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_login(page, username):
    page.goto(page.base_url + "/accounts/login/?next=/console/appeals/intake/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")


def test_agent_takes_a_call_and_the_worker_rates_the_answer(browser_page, desk, intake):
    page = browser_page
    services.dispatch_rule_save(desk.admin, category=None, region_prefix="110111",
                                handling_union_id=desk.city.chengguan.pk)
    earlier = intake(category="policy", text="上月咨询入会")
    services.appeal_answer(desk.agent, appeal_id=earlier.pk, answer="可在App申请入会", close_now=True)

    staff_login(page, "agent1")
    page.wait_for_selector("#intake-form")
    started = time.monotonic()
    # The cursor starts in the lookup (autofocus: waited for, since a busy machine applies it a moment after the form
    # shows; typing before it lands would type into nothing): type the caller's number
    page.wait_for_function("document.activeElement && document.activeElement.id === 'lookup'")
    page.keyboard.type(desk.worker.phone)
    page.wait_for_selector("#worker-card")
    assert earlier.number in page.inner_text("#recent")
    page.select_option("#category", "wage_arrears")
    page.select_option("select[name=urgency]", "urgent")
    page.fill("input[name=region_code]", "110111001000")
    page.fill("textarea[name=text]", "建筑工地拖欠两个月工资，约一万二千元")
    screenshot(page, "appeals-intake")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#last-saved")
    elapsed = time.monotonic() - started
    assert elapsed < 60
    a = Appeal.objects.get(category__code="wage_arrears")
    assert a.number in page.inner_text("#last-saved")
    assert a.status == Status.DISPATCHED and a.handling_union == desk.city.chengguan and a.urgency == "urgent"

    # The unit handles it
    services.appeal_accept(a.handler, appeal_id=a.pk)
    services.appeal_answer(a.handler, appeal_id=a.pk, answer="已约谈施工方，工资本周五前发放")
    services.appeal_close(a.handler, appeal_id=a.pk, outcome="resolved")
    page.goto(page.base_url + f"/console/appeals/{a.pk}/")
    screenshot(page, "appeals-detail")
    page.goto(page.base_url + "/console/appeals/rates/")
    screenshot(page, "appeals-rates")

    # The worker, on a phone, sees the answer and rates it
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + f"/accounts/w/login/?next=/w/appeals/{a.pk}/")
    page.click("details summary")
    page.fill("input[name=username]", desk.worker_user.username)
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[value=password]")
    page.wait_for_selector("#rate-form")
    assert "工资本周五前发放" in page.inner_text("#answer")
    assert str(a.handler) in page.inner_text("#handler")
    screenshot(page, "appeals-worker-rate")
    page.check("input[name=resolved][value='1']")
    page.check("input[name=satisfied][value='1']")
    page.click("#rate-form button")
    page.wait_for_selector("#rating")
    a.refresh_from_db()
    assert a.rating_status == "rated" and a.rating_satisfied is True
    page.goto(page.base_url + "/w/appeals/")
    screenshot(page, "appeals-worker-list")

"""Pages: the worker's offers, one-tap claim, claims with QR and cancel; the console's offers, creation, live
figures and the redemption scanner. The browser test drives headless Chromium against the live server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhijia.benefits import gate, services
from zhijia.benefits.models import Claim
from zhijia.conftest import screenshot


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_worker_pages_claim_and_cancel(members, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=1, title="十渡风景区年票")
    c = _client(members(1))
    page = c.get("/w/benefits/").content.decode()
    assert "十渡风景区年票" in page and "立即抢" in page and "剩余 <strong class=\"remaining\">1</strong>" in page
    result = c.post(f"/w/benefits/{offer.pk}/claim/", {"key": "tap-1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "抢到了" in result and "data:image/svg+xml" in result
    twice = c.post(f"/w/benefits/{offer.pk}/claim/", {"key": "tap-1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "抢到了" in twice and Claim.objects.filter(benefit=offer).count() == 1  # a double tap is one claim
    other = _client(members(2)).post(f"/w/benefits/{offer.pk}/claim/", {"key": "t2"}).content.decode()
    assert "候补" in other
    mine = c.get("/w/benefits/mine/").content.decode()
    assert "核销二维码" in mine and "取消并让出名额" in mine
    claim = Claim.objects.get(benefit=offer, status="confirmed")
    resp = c.post(f"/w/benefits/claims/{claim.pk}/cancel/", follow=True)
    assert "已取消" in resp.content.decode()


def test_not_a_member_sees_why(make_worker_user, make_offer):
    make_offer()
    page = _client(make_worker_user(70)).get("/w/benefits/").content.decode()
    assert "仅限在会会员" in page


def test_console_pages(staff, members, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=2)
    c, _ = services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k")
    client = _client(staff)
    assert offer.title in client.get("/console/benefits/").content.decode()
    detail = client.get(f"/console/benefits/{offer.pk}/").content.decode()
    assert members(1).display_name in detail and 'hx-trigger="every 2s"' in detail
    live = client.get(f"/console/benefits/{offer.pk}/live/").content.decode()
    assert 'id="stat-confirmed">1<' in live
    code = services.redemption_code(c)
    ok = client.post("/console/benefits/redeem/", {"code": code}, HTTP_HX_REQUEST="true").content.decode()
    assert "核销成功" in ok
    again = client.post("/console/benefits/redeem/", {"code": code}, HTTP_HX_REQUEST="true").content.decode()
    assert "不能重复使用" in again and "十渡景区东门" in again
    now = timezone.localtime()
    form = {"title": "蔬菜礼包", "kind": "goods", "units": "100", "per_member_limit": "1", "mode": "fcfs",
            "release_at": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "eligible_occupations": ["courier", "delivery_rider"]}
    created = client.post("/console/benefits/new/", form, follow=True).content.decode()
    assert "已发布" in created and "蔬菜礼包" in created
    bad = client.post("/console/benefits/new/", form | {"units": "0"}).content.decode()
    assert "名额" in bad and "error" in bad


def test_sibling_district_pages_404(city, make_staff, make_offer):
    offer = make_offer()
    client = _client(make_staff("hd", city.haidian))
    assert client.get(f"/console/benefits/{offer.pk}/").status_code == 404
    assert offer.title not in client.get("/console/benefits/").content.decode()


@pytest.mark.browser
def test_browser_worker_claims_and_staff_redeems(browser_page, transactional_db, city, make_staff, make_worker_user):
    page = browser_page
    staff = make_staff("fs", city.fangshan)
    worker = make_worker_user(1, city.chengguan)
    now = timezone.now()
    offer = services.benefit_create(staff, title="十渡风景区年票", kind="pass", units=400,
                                    release_at=now - dt.timedelta(seconds=2), closes_at=now + dt.timedelta(days=1),
                                    redemption_place="十渡景区东门", description="房山区总工会会员专享，每人限1张")
    soon = services.benefit_create(staff, title="《茶馆》话剧票", kind="ticket", units=50,
                                   release_at=now + dt.timedelta(hours=2), closes_at=now + dt.timedelta(days=1))
    try:
        def login(user):
            c = Client()
            c.force_login(user)
            page.context.clear_cookies()
            page.context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value,
                                       "url": page.base_url}])

        login(worker)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page.base_url + "/w/benefits/")
        soon_btn = page.locator(f"#offer-{soon.pk} .claim-btn")
        assert soon_btn.is_disabled()
        assert "距开始" in page.locator(f"#offer-{soon.pk} .countdown").inner_text()
        screenshot(page, "benefits-worker-list")
        page.locator(f"#offer-{offer.pk} .claim-btn").click()
        page.locator(".claim-result").wait_for()
        assert "抢到了" in page.locator(".claim-result").inner_text()
        screenshot(page, "benefits-worker-claimed")
        page.goto(page.base_url + "/w/benefits/mine/")
        code = page.locator(".my-claim .code").first.inner_text().strip()
        screenshot(page, "benefits-worker-mine")

        login(staff)
        page.set_viewport_size({"width": 1280, "height": 860})
        page.goto(page.base_url + f"/console/benefits/{offer.pk}/")
        assert page.locator("#stat-confirmed").inner_text() == "1"
        screenshot(page, "benefits-console-detail")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page.base_url + "/console/benefits/redeem/")
        page.fill("#redeem-code", code)
        page.click("#redeem-form button[type=submit]")
        page.locator(".redeem-result").wait_for()
        assert "核销成功" in page.locator(".redeem-result").inner_text()
        screenshot(page, "benefits-console-redeemed")
        page.click("#redeem-form button[type=submit]")
        # A locator wait, not wait_for_function: the CSP forbids evaluating strings in the page.
        page.locator(".redeem-result", has_text="不能重复使用").wait_for()
        assert "十渡景区东门" in page.locator(".redeem-result").inner_text()
        screenshot(page, "benefits-console-second-scan")
        page.set_viewport_size({"width": 1280, "height": 860})
        page.goto(page.base_url + "/console/benefits/new/")
        screenshot(page, "benefits-console-create")
        assert Claim.objects.get(benefit=offer).status == "redeemed"
    finally:
        if gate.enabled():
            gate.gate_drop(offer)


@pytest.mark.browser
def test_browser_staff_edits_and_withdraws_and_a_waiting_member_sees_the_line(browser_page, transactional_db, city,
                                                                               make_staff, make_worker_user):
    page = browser_page
    staff = make_staff("fs", city.fangshan)
    now = timezone.now()
    soon = services.benefit_create(staff, title="《茶馆》话剧票", kind="ticket", units=50,
                                   release_at=now + dt.timedelta(hours=2), closes_at=now + dt.timedelta(days=1))
    offer = services.benefit_create(staff, title="十渡风景区年票", kind="pass", units=1,
                                    release_at=now - dt.timedelta(seconds=2), closes_at=now + dt.timedelta(days=1))
    members = [make_worker_user(i, city.chengguan) for i in range(1, 4)]
    try:
        for i, m in enumerate(members):
            services.claim_create(m, benefit_id=offer.pk, idempotency_key=f"k{i}")

        def login(user):
            c = Client()
            c.force_login(user)
            page.context.clear_cookies()
            page.context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value,
                                       "url": page.base_url}])

        login(members[2])
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page.base_url + "/w/benefits/mine/")
        assert "前面还有 1 人" in page.locator(".waiting-ahead").inner_text()
        screenshot(page, "benefits-worker-waiting")

        login(staff)
        page.set_viewport_size({"width": 1280, "height": 860})
        page.goto(page.base_url + f"/console/benefits/{soon.pk}/edit/")
        page.fill("input[name=units]", "80")
        screenshot(page, "benefits-console-edit")
        page.click("form.benefit-form button[type=submit]")
        page.locator("h1", has_text="《茶馆》话剧票").wait_for()
        soon.refresh_from_db()
        assert soon.units == 80
        page.fill("input[name=reason]", "剧场检修，改期另行通知")
        page.click(".benefit-edit form button[type=submit]")
        page.locator("h1 .tag", has_text="已撤回").wait_for()
        screenshot(page, "benefits-console-withdrawn")
        soon.refresh_from_db()
        assert soon.withdrawn_reason == "剧场检修，改期另行通知"
    finally:
        if gate.enabled():
            gate.gate_drop(offer)

"""In a real browser: staff pick a union by typing its name or pinyin (htmx), and a member re-issues their card."""

import pytest

from zhijia.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_pick_the_target_union_by_pinyin_and_transfer(browser_page, city, make_staff, make_worker_user):
    from zhijia.members.models import MembershipTransfer

    page = browser_page
    base = page.base_url
    make_staff("fangshan", city.fangshan)
    member = make_worker_user(180, union=city.couriers)
    membership = member.worker.memberships.get()
    page.goto(f"{base}/accounts/login/?next=/console/members/m/{membership.pk}/")
    page.fill("input[name=username]", "fangshan")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/console/members/m/{membership.pk}/")

    # Typing the pinyin initials of 中关村 lists it (another district: a transfer may go anywhere)
    page.fill("input[name=to_union_q]", "zgc")
    option = page.locator("#picker-to_union .picker-option", has_text=city.zhongguancun.name)
    option.wait_for()
    screenshot(page, "members_picker_results")
    option.click()
    page.wait_for_selector(f"#picker-to_union input[name=to_union][value='{city.zhongguancun.pk}']", state="attached")
    page.fill("form[action$='/transfer/'] input[name=reason]", "工作地变更")
    screenshot(page, "members_picker_picked")
    page.click("form[action$='/transfer/'] button.btn")
    page.wait_for_selector("text=已发起转接")
    assert MembershipTransfer.objects.get().to_union_id == city.zhongguancun.pk

    # "重选" brings the search box back
    page.goto(f"{base}/console/members/applications/")
    page.fill("input[name=union_q]", "城关")
    page.locator("#picker-union .picker-option").first.click()
    page.locator("#picker-union button.link").click()
    page.wait_for_selector("input[name=union_q]")


def test_member_reissues_their_card_on_the_phone(browser_page, city, make_worker_user):
    page = browser_page
    base = page.base_url
    make_worker_user(181, union=city.couriers)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/accounts/w/login/?next=/w/members/card/")
    page.click("details.card summary")
    page.fill("input[name=username]", "w000181")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[value=password]")
    page.wait_for_url("**/w/members/card/")
    first_qr = page.get_attribute("img.qr", "src")
    assert "（第1张）" in page.inner_text("#card-state")
    page.click("#reissue summary")
    page.select_option("#reissue select[name=reason]", "lost")
    screenshot(page, "members_card_reissue_form")
    page.click("#reissue-submit")
    page.wait_for_selector("text=旧卡二维码已作废")
    assert "（第2张）" in page.inner_text("#card-state") and page.get_attribute("img.qr", "src") != first_qr
    assert "已补发新卡，本卡作废" in page.inner_text("#card-state")
    screenshot(page, "members_card_after_reissue")


def test_console_forms_show_the_picker(browser_page, city, make_staff, make_worker_user):
    """Each changed console page, as staff see it (screenshots under var/screenshots/)."""
    from zhijia.members.tests.factories import apply

    page = browser_page
    base = page.base_url
    staff = make_staff("fangshan", city.fangshan)
    make_worker_user(182, union=city.couriers)
    a = apply(staff, 183)
    page.goto(f"{base}/accounts/login/?next=/console/members/applications/")
    page.fill("input[name=username]", "fangshan")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/members/applications/")
    pages = {"queue": "/console/members/applications/", "application": f"/console/members/applications/{a.pk}/",
             "imports": "/console/members/imports/", "rules": "/console/members/rules/",
             "list": f"/console/members/list/?union={city.couriers.pk}", "transfers": "/console/members/transfers/",
             "apply_for": "/console/members/applications/new/"}
    for name, url in pages.items():
        page.goto(base + url)
        if name == "transfers":
            page.click("#transfer-in summary")
        if name == "application":
            page.fill("input[name=union_q]", "chengguan")
            page.wait_for_selector("#picker-union .picker-option")
        if name != "apply_for":
            assert page.locator(".union-picker").count() >= 1, name
        screenshot(page, f"members_{name}")
    assert city.couriers.name in page.goto(base + pages["list"]).text()

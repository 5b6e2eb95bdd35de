"""A gig worker joins from the phone page and staff admit them, in a real browser."""

import re

import pytest

from zhijia.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rider_joins_from_phone_and_staff_admits(browser_page, city, make_staff):
    from zhijia.accounts.sms import LogSmsBackend
    from zhijia.members.demo import demo_person
    from zhijia.members.routing import seed_default_rules

    # A transactional test may have flushed the rules the migration seeds; put the defaults back.
    seed_default_rules()
    page = browser_page
    base = page.base_url
    make_staff("fangshan", city.fangshan)
    p = demo_person(140)
    phone = "13511112222"

    # The worker signs in on the phone with a code ...
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/accounts/w/login/?next=/w/members/join/")
    page.fill("input[name=phone]", phone)
    page.click("button[value=send_code]")
    code = re.search(r"验证码是(\d{6})", [t for ph, t in LogSmsBackend.sent if ph == phone][-1]).group(1)
    page.fill("input[name=code]", code)
    page.click("button[value=verify]")
    page.wait_for_url("**/w/members/join/")
    # ... fills in the join form, choosing where they work
    page.fill("input[name=name]", p["name"])
    page.fill("input[name=id_number]", p["id_number"])
    page.select_option("select[name=occupation]", "courier")
    page.select_option("#district", "110111")
    page.wait_for_selector("#street option[value='110111001000']", state="attached")
    page.select_option("#street", "110111001000")
    screenshot(page, "members_join_form")
    page.click("#submit-join")
    status = page.locator("#application-status")
    status.wait_for()
    assert city.couriers.name in status.inner_text() and "快递" in status.inner_text()
    screenshot(page, "members_join_pending")

    # Staff of 房山 see it in the queue and admit it
    staff = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    sp = staff.new_page()
    sp.goto(f"{base}/accounts/login/?next=/console/members/applications/")
    sp.fill("input[name=username]", "fangshan")
    sp.fill("input[name=password]", "pw-12345678")
    sp.click("button[type=submit]")
    sp.wait_for_url("**/console/members/applications/")
    screenshot(sp, "members_queue")
    sp.click("#queue a.btn")
    sp.wait_for_selector("#approve")
    screenshot(sp, "members_application")
    sp.click("#approve")
    sp.wait_for_selector("text=已通过")
    staff.close()

    # The worker is told in the app and shows the card
    page.goto(f"{base}/w/members/join/")
    assert "已通过" in page.content()
    page.goto(f"{base}/w/members/card/")
    assert page.locator("img.qr").is_visible() and "会员编号" in page.content()
    screenshot(page, "members_card")

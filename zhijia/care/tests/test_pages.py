"""Care pages: what staff and workers see, and a browser run of the budget-to-visit flow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.care import services
from zhijia.care.models import Allocation, Visit
from zhijia.conftest import screenshot


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_staff_pages_render_for_the_scope(staff, city, campaign, make_worker_user, living_standard):
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="5000")
    worker = make_worker_user(61, union=city.community).worker
    services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.fangshan.pk, worker=worker.pk,
                          amount="300", visited_at=timezone.now() - dt.timedelta(hours=1))
    file = services.hardship_file_open(staff.chengguan, worker=worker.pk, yearly_income="12000",
                                       yearly_unavoidable_costs="0", causes=["illness"])
    c = _client(staff.fangshan)
    home = c.get("/console/").content.decode()
    assert "在档困难职工" in home and "待审互助理赔" in home
    page = c.get("/console/care/").content.decode()
    assert "2026年冬季送温暖" in page
    page = c.get(f"/console/care/campaigns/{campaign.pk}/").content.decode()
    assert "5,000.00" in page and "下拨预算" in page
    page = c.get(f"/console/care/campaigns/{campaign.pk}/report/").content.decode()
    assert "房山区总工会（合计）" in page and "300.00" in page
    assert c.get(f"/console/care/campaigns/{campaign.pk}/report.xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    page = c.get(f"/console/care/hardship/{file.pk}/").content.decode()
    assert worker.name in page and "深度困难" in page
    assert AuditEvent.objects.filter(action="care.hardship.view", object_id=str(file.pk)).count() == 1
    # 海淀 sees neither the file nor the visit
    hd = _client(staff.haidian)
    assert hd.get(f"/console/care/hardship/{file.pk}/").status_code == 404
    assert worker.name not in hd.get("/console/care/hardship/").content.decode()
    visit = Visit.objects.get()
    assert hd.get(f"/console/care/visits/{visit.pk}/").status_code == 404


def test_worker_pages_show_history_and_take_an_application(staff, city, campaign, make_worker_user,
                                                           living_standard):
    user = make_worker_user(62, union=city.community)
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.community.pk, amount="1000")
    services.visit_record(staff.community, campaign=campaign.pk, union=city.community.pk, worker=user.worker.pk,
                          amount="500", visited_at=timezone.now() - dt.timedelta(hours=1))
    c = _client(user)
    page = c.get("/w/care/").content.decode()
    assert "走访慰问" in page and "500.00 元" in page
    r = c.post("/w/care/hardship/apply/", {"yearly_income": "abc", "yearly_unavoidable_costs": "0",
                                            "causes": ["illness"]})
    assert "金额格式不正确" in r.content.decode()
    r = c.post("/w/care/hardship/apply/", {"yearly_income": "18000", "yearly_unavoidable_costs": "0",
                                            "causes": ["illness"], "m0_name": "赵敏", "m0_relation": "配偶"})
    assert r.status_code == 302
    assert "待基层核实" in c.get("/w/care/").content.decode()


@pytest.mark.browser
def test_district_allocates_and_grassroots_records_a_visit(browser_page, transactional_db, city, make_staff,
                                                           make_worker_user):
    district = make_staff("b_fangshan", city.fangshan, role="district_staff")
    street = make_staff("b_street", city.chengguan, role="grassroots_staff")
    admin = make_staff("b_admin", city.root, role="municipal_admin")
    today = timezone.localdate()
    campaign = services.campaign_create(admin, name="冬季送温暖", budget="100000", starts_on=today - dt.timedelta(7),
                                        ends_on=today + dt.timedelta(7))
    services.allocation_create(admin, campaign_id=campaign.pk, union=city.fangshan.pk, amount="20000")
    services.stock_receive(street, union=city.chengguan.pk, kind="cotton_vest", quantity=10, unit_value="95")
    worker = make_worker_user(63, union=city.community).worker
    page = browser_page

    def login(user):
        page.context.clear_cookies()
        page.goto(page.base_url + "/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", "pw-12345678")
        page.click("button[type=submit]")

    # the district officer allocates 8,000 to the street (htmx swaps the panel)
    login(district)
    page.goto(f"{page.base_url}/console/care/campaigns/{campaign.pk}/")
    page.select_option("select[name=union]", label="城关街道总工会")
    page.fill("input[name=amount]", "30000")
    page.click("button:has-text('下拨')")
    page.wait_for_selector("text=超出上级可分配余额")
    page.fill("input[name=amount]", "8000")
    page.click("button:has-text('下拨')")
    page.wait_for_selector("text=已向城关街道总工会下拨8000元")
    assert page.inner_text("[data-testid=own-remaining]") == "12,000.00"
    screenshot(page, "care_browser_allocate")
    assert Allocation.objects.get(campaign=campaign, union=city.chengguan).amount == 8000

    # the grassroots officer records a visit with money and two cotton vests
    login(street)
    page.goto(f"{page.base_url}/console/care/campaigns/{campaign.pk}/visits/new/")
    page.select_option("select[name=union]", value=str(city.chengguan.pk))
    page.fill("input[name=id_number]", worker.id_number)
    page.fill("input[name=amount]", "500")
    page.fill("input[name=qty_cotton_vest]", "2")
    page.fill("input[name=value_cotton_vest]", "95")
    page.fill("input[name=place]", "城关快递驿站")
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=走访慰问已登记")
    assert re.search(r"690\.00 元", page.content())
    screenshot(page, "care_browser_visit")
    allocation = Allocation.objects.get(campaign=campaign, union=city.chengguan)
    assert allocation.spent == 690


def test_a_worker_files_a_claim_with_photos_of_the_documents(staff, city, make_worker_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    user = make_worker_user(64, union=city.community)
    plan = services.plan_create(staff.fangshan, name="意外互助", year=timezone.localdate().year, contribution="30",
                                yearly_cap="5000", benefits=[{"event": "hospitalization", "fixed_amount": "800",
                                                              "cap": "800",
                                                              "required_documents": ["claim_form",
                                                                                     "discharge_summary"]}])
    services.plan_enrol_roster(staff.fangshan, plan_id=plan.pk)
    c = _client(user)
    form = {"plan": plan.pk, "event": "hospitalization", "event_on": timezone.localdate().isoformat()}
    r = c.post("/w/care/claims/new/", form | {"doc_claim_form": SimpleUploadedFile("a.jpg", b"x")})
    assert "缺少材料：出院小结" in r.content.decode()
    r = c.post("/w/care/claims/new/", form | {"doc_claim_form": SimpleUploadedFile("a.jpg", b"x"),
                                              "doc_discharge_summary": SimpleUploadedFile("b.jpg", b"y")})
    assert r.status_code == 302
    assert "待初审" in c.get("/w/care/").content.decode()

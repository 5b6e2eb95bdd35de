"""The care API as a client sees it: the fixed contract, errors naming the field, scope, audit and masking."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from zhijia.audit.models import AuditEvent
from zhijia.care import services
from zhijia.care.models import Allocation, Visit


def _campaign_payload(**kw):
    today = timezone.localdate()
    return {"name": "冬奥服务保障人员送温暖", "budget": "44000000.00",
            "starts_on": (today - dt.timedelta(days=10)).isoformat(),
            "ends_on": (today + dt.timedelta(days=10)).isoformat()} | kw


def test_campaign_allocation_visit_contract(api_client, staff, city, make_worker_user):
    client = api_client.as_user(staff.city)
    r = client.post("/api/v1/care/campaigns", _campaign_payload())
    assert r.status_code == 201, r.content
    campaign = r.json()
    assert (campaign["budget"], campaign["allocated"], campaign["spent"], campaign["remaining"]) == (
        "44000000.00", "0.00", "0.00", "44000000.00")
    r = client.post(f"/api/v1/care/campaigns/{campaign['id']}/allocations", {"union": city.fangshan.pk,
                                                                             "amount": "2500000.50"})
    assert r.status_code == 201 and r.json()["amount"] == "2500000.50"
    worker = make_worker_user(31, union=city.couriers).worker
    r = api_client.as_user(staff.fangshan).post("/api/v1/care/visits", {
        "campaign": campaign["id"], "union": city.fangshan.pk, "worker": worker.pk, "amount": "500",
        "goods": [], "visited_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()})
    assert r.status_code == 201, r.content
    assert r.json()["total"] == "500.00" and r.json()["whom"].endswith("*")
    r = api_client.as_user(staff.fangshan).post("/api/v1/care/visits", {
        "campaign": campaign["id"], "union": city.fangshan.pk, "group_name": "冬奥场馆保洁班组", "people": 12,
        "amount": "0", "goods": [{"kind": "warmth_pack", "quantity": 1, "unit_value": "100"}],
        "visited_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()})
    assert r.status_code == 400 and r.json()["fields"] == {"goods.0.quantity": "本单位没有温暖包库存"}
    detail = client.get(f"/api/v1/care/campaigns/{campaign['id']}").json()
    assert (detail["allocated"], detail["spent"], detail["remaining"]) == ("2500000.50", "500.00", "43999500.00")


@pytest.mark.parametrize("payload, field", [
    ({"union": "x", "amount": "1"}, "union"),
    ({"amount": "1"}, "union"),
    ({"union": 0, "amount": "-1"}, "union"),
])
def test_bad_allocation_input_is_a_4xx_naming_the_field(api_client, staff, campaign, payload, field):
    r = api_client.as_user(staff.city).post(f"/api/v1/care/campaigns/{campaign.pk}/allocations", payload)
    assert r.status_code in (400, 422) and field in r.json()["fields"], r.content
    assert Allocation.objects.filter(campaign=campaign).count() == 1


def test_over_allocation_and_negative_amount_are_refused(api_client, staff, campaign, city):
    client = api_client.as_user(staff.city)
    r = client.post(f"/api/v1/care/campaigns/{campaign.pk}/allocations", {"union": city.fangshan.pk,
                                                                          "amount": "1000000.01"})
    assert r.status_code == 400 and r.json()["fields"] == {"amount": "超出上级可分配余额（剩余1000000.00元）"}
    r = client.post(f"/api/v1/care/campaigns/{campaign.pk}/allocations", {"union": city.fangshan.pk,
                                                                          "amount": "-3"})
    assert r.status_code == 400 and r.json()["fields"] == {"amount": "金额不能为负数"}


def _seed_two_districts(staff, city, campaign, make_worker_user):
    """房山 and 海淀 each record a visit and hold a hardship file and a claim."""
    from zhijia.care.models import LivingStandard

    LivingStandard.objects.create(region_code="110000", year=timezone.localdate().year, monthly_amount="1420")
    out = {}
    for name, actor, union, i in (("fangshan", staff.fangshan, city.fangshan, 41),
                                  ("haidian", staff.haidian, city.haidian, 42)):
        services.allocation_create(staff.city, campaign_id=campaign.pk, union=union.pk, amount="1000")
        w = make_worker_user(i, union=union).worker
        visit = services.visit_record(actor, campaign=campaign.pk, union=union.pk, worker=w.pk, amount="100",
                                      visited_at=timezone.now() - dt.timedelta(hours=2))
        file = services.hardship_file_open(actor, worker=w.pk, yearly_income="10000", yearly_unavoidable_costs="0",
                                           causes=["illness"])
        plan = services.plan_create(actor, name=f"{union.name}互助", year=timezone.localdate().year,
                                    contribution="30", yearly_cap="1000", benefits=[
                                        {"event": "hospitalization", "fixed_amount": "500", "cap": "500",
                                         "required_documents": ["claim_form"]}])
        services.plan_enrol_roster(actor, plan_id=plan.pk)
        claim = services.claim_submit(actor, plan_id=plan.pk, worker=w.pk, event="hospitalization",
                                      event_on=timezone.localdate(), documents=["claim_form"])
        out[name] = {"visit": visit, "file": file, "claim": claim}
    return out


def test_a_sibling_district_sees_nothing_of_the_other_from_list_detail_and_export(
        api_client, staff, city, campaign, make_worker_user):
    data = _seed_two_districts(staff, city, campaign, make_worker_user)
    hd = api_client.as_user(staff.haidian)
    fs = data["fangshan"]
    assert [v["id"] for v in hd.get("/api/v1/care/visits").json()["items"]] == [data["haidian"]["visit"].pk]
    assert hd.get(f"/api/v1/care/visits/{fs['visit'].pk}").status_code == 404
    assert [f["id"] for f in hd.get("/api/v1/care/hardship-files").json()["items"]] == [data["haidian"]["file"].pk]
    assert hd.get(f"/api/v1/care/hardship-files/{fs['file'].pk}").status_code == 404
    assert [c["id"] for c in hd.get("/api/v1/care/claims").json()["items"]] == [data["haidian"]["claim"].pk]
    assert hd.get(f"/api/v1/care/claims/{fs['claim'].pk}").status_code == 404
    # exports
    for url in ("/api/v1/care/hardship-files.xlsx", "/api/v1/care/claims.xlsx"):
        ws = load_workbook(io.BytesIO(hd.get(url).content)).active
        assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] in (
            [data["haidian"]["file"].pk], [data["haidian"]["claim"].pk])
    report = hd.get(f"/api/v1/care/campaigns/{campaign.pk}/report").json()
    assert [r["union_name"] for r in report] == ["海淀区总工会"]
    ws = load_workbook(io.BytesIO(hd.get(f"/api/v1/care/campaigns/{campaign.pk}/report.xlsx").content)).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["海淀区总工会"]
    # and the city sees both districts in its report
    rows = api_client.as_user(staff.city).get(f"/api/v1/care/campaigns/{campaign.pk}/report").json()
    assert {r["union_name"]: (r["spent"], r["people"]) for r in rows} == {
        "北京市总工会": ("200.00", 2), "房山区总工会": ("100.00", 1), "海淀区总工会": ("100.00", 1)}


def test_sensitive_views_are_audited_and_exports_masked_by_role(api_client, staff, city, campaign,
                                                                make_worker_user):
    data = _seed_two_districts(staff, city, campaign, make_worker_user)
    file = data["fangshan"]["file"]
    r = api_client.as_user(staff.chengguan).get(f"/api/v1/care/hardship-files/{file.pk}")
    assert r.status_code == 404  # the file sits at the district, above the street
    r = api_client.as_user(staff.fangshan).get(f"/api/v1/care/hardship-files/{file.pk}")
    assert r.status_code == 200 and "*" in r.json()["id_number"]
    assert AuditEvent.objects.filter(action="care.hardship.view", object_id=str(file.pk),
                                     actor=staff.fangshan).count() == 1
    # hotline agents have no access to hardship files at all
    assert api_client.as_user(staff.agent).get("/api/v1/care/hardship-files").status_code == 403
    # the district's export shows full ID numbers, a street's export masks them; both are audited
    full = load_workbook(io.BytesIO(api_client.as_user(staff.fangshan).get(
        "/api/v1/care/hardship-files.xlsx").content)).active
    assert "*" not in full.cell(row=2, column=3).value
    services.hardship_file_open(staff.chengguan, worker=make_worker_user(43, union=city.community).worker.pk,
                                yearly_income="10000", yearly_unavoidable_costs="0", causes=["illness"])
    masked = load_workbook(io.BytesIO(api_client.as_user(staff.chengguan).get(
        "/api/v1/care/hardship-files.xlsx").content)).active
    assert "*" in masked.cell(row=2, column=3).value
    assert AuditEvent.objects.filter(action="care.hardship.export").count() == 2


def test_a_worker_applies_and_sees_their_own_history(api_client, staff, city, campaign, make_worker_user,
                                                     living_standard):
    user = make_worker_user(51, union=city.community)
    client = api_client.as_user(user)
    r = client.post("/api/v1/care/hardship-files", {"yearly_income": "20000", "yearly_unavoidable_costs": "2000",
                                                    "causes": ["disability"],
                                                    "household": [{"name": "王芳", "relation": "配偶"}]})
    assert r.status_code == 201 and r.json()["category"] == "deep" and r.json()["union"] == city.community.pk
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.community.pk, amount="800")
    services.visit_record(staff.community, campaign=campaign.pk, union=city.community.pk, worker=user.worker.pk,
                          amount="300", visited_at=timezone.now() - dt.timedelta(hours=1))
    history = client.get("/api/v1/care/me/history").json()
    assert [(h["label"], h["amount"], h["union"]) for h in history] == [("走访慰问", "300.00", "某社区工会")]
    assert Visit.objects.count() == 1


def test_photos_and_receipt_attach_to_a_visit(api_client, staff, city, campaign, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="1000")
    visit = services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.fangshan.pk, group_name="某站",
                                  people=4, amount="100", visited_at=timezone.now() - dt.timedelta(hours=1))
    client = api_client.as_user(staff.fangshan)
    photo = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    receipt = SimpleUploadedFile("r.pdf", b"%PDF-1.4", content_type="application/pdf")
    from django.test import Client

    raw = Client()
    r = raw.post(f"/api/v1/care/visits/{visit.pk}/attachments", {"photos": [photo], "receipt": receipt},
                 HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert r.status_code == 200, r.content
    visit.refresh_from_db()
    assert visit.photos.count() == 1 and visit.receipt.name.startswith("care/receipts/")
    bad = SimpleUploadedFile("x.txt", b"hello", content_type="text/plain")
    r = raw.post(f"/api/v1/care/visits/{visit.pk}/attachments", {"photos": [bad]},
                 HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert r.status_code == 400 and r.json()["fields"] == {"photos": "照片应为图片文件"}

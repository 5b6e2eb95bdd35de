"""Care pages in English: the language cookie turns the page text English, the Chinese pages stay as they were."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhijia.care import services
from zhijia.care.models import HardshipFile
from zhijia.conftest import signed_in


def test_worker_home_in_english_and_in_chinese(staff, city, campaign, make_worker_user, living_standard):
    # given a worker who was visited and has a hardship file
    user = make_worker_user(71, union=city.community)
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.community.pk, amount="1000")
    services.visit_record(staff.community, campaign=campaign.pk, union=city.community.pk, worker=user.worker.pk,
                          amount="500", visited_at=timezone.now() - dt.timedelta(hours=1))
    services.hardship_file_open(staff.chengguan, worker=user.worker.pk, yearly_income="12000",
                                yearly_unavoidable_costs="0", causes=["illness"])
    # when they open their care page in English
    page = signed_in(user, "en").get("/w/care/").content.decode()
    # then headings, tiles, history kinds and statuses are English
    assert "My care" in page and "Apply for hardship help" in page and "Care visit" in page
    assert "Awaiting check by grassroots union" in page and "500.00 yuan" in page
    assert "我的关爱" not in page and "申请困难帮扶" not in page and "待基层核实" not in page
    # and without the cookie the page is the Chinese one
    page = signed_in(user).get("/w/care/").content.decode()
    assert "我的关爱" in page and "走访慰问" in page and "500.00 元" in page and "My care" not in page


def test_staff_pages_in_english_and_in_chinese(staff, campaign):
    c = signed_in(staff.fangshan, "en")
    page = c.get("/console/care/").content.decode()
    assert "Warmth campaigns" in page and "Create campaign" in page and "2026年冬季送温暖" in page  # data stays
    assert "创建活动" not in page and "送温暖活动" not in page
    page = c.get(f"/console/care/campaigns/{campaign.pk}/").content.decode()
    assert "Record a care visit" in page and "登记走访慰问" not in page
    page = signed_in(staff.fangshan).get("/console/care/").content.decode()
    assert "送温暖活动" in page and "创建活动" in page and "Create campaign" not in page


def test_an_english_worker_applying_stores_the_duplicate_help_note_in_chinese(staff, city, make_worker_user,
                                                                             living_standard):
    # given a file opened for the worker by another union
    user = make_worker_user(72, union=city.community)
    services.hardship_file_open(staff.chengguan, worker=user.worker.pk, yearly_income="12000",
                                yearly_unavoidable_costs="0", causes=["illness"])
    # when the worker applies on the English page
    r = signed_in(user, "en").post("/w/care/hardship/apply/", {"yearly_income": "12000",
                                                             "yearly_unavoidable_costs": "0", "causes": ["illness"]})
    assert r.status_code == 302
    # then the stored note is written in the source language, as the services' other texts are
    message = HardshipFile.objects.filter(opened_by_worker=True).get().flags[0]["message"]
    assert "待基层核实" in message and "因病" in message and "Awaiting" not in message
    # and staff read the note in their language
    file = HardshipFile.objects.filter(opened_by_worker=True).get()
    assert message in signed_in(staff.community).get(f"/console/care/hardship/{file.pk}/").content.decode()
    page = signed_in(staff.community, "en").get(f"/console/care/hardship/{file.pk}/").content.decode()
    assert "This worker already has a file at" in page and "same causes: Illness" in page and message not in page


def test_the_pages_cause_and_document_labels_follow_the_models():
    from zhijia.care.models import DocumentKind, HardshipCause
    from zhijia.care.views import CAUSE_LABELS, DOCUMENT_LABELS

    assert [(str(k), str(v)) for k, v in CAUSE_LABELS.items()] == HardshipCause.choices
    assert [(str(k), str(v)) for k, v in DOCUMENT_LABELS.items()] == DocumentKind.choices


def test_an_over_allocation_is_refused_in_english_naming_the_field(api_client, staff, city, campaign):
    # when the city allocates more than it has, asking for English
    client = api_client.as_user(staff.city)
    client.cookies["django_language"] = "en"
    payload = {"union": city.fangshan.pk, "amount": "2000000"}
    r = client.post(f"/api/v1/care/campaigns/{campaign.pk}/allocations", payload)
    # then the refusal is English, with the same code and field
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"amount": "Amount exceeds the parent union's unallocated balance "
                                            "(1000000.00 yuan left)"}
    # and without the cookie it is the Chinese one
    del client.cookies["django_language"]
    r = client.post(f"/api/v1/care/campaigns/{campaign.pk}/allocations", payload)
    assert r.json()["fields"] == {"amount": "超出上级可分配余额（剩余1000000.00元）"}
    r = client.post(f"/api/v1/care/campaigns/{campaign.pk}/allocations", {"union": city.fangshan.pk, "amount": "-1"})
    assert r.json()["fields"] == {"amount": "金额不能为负数"}


def test_a_duplicate_help_refusal_is_english_and_the_stored_note_stays_chinese(api_client, staff, city,
                                                                              make_worker_user, living_standard):
    # given a worker with a file at one union and a second, checked file
    worker = make_worker_user(74, union=city.community).worker
    services.hardship_file_open(staff.chengguan, worker=worker.pk, yearly_income="12000",
                                yearly_unavoidable_costs="0", causes=["illness"])
    second = services.hardship_file_open(staff.community, worker=worker.pk, yearly_income="12000",
                                         yearly_unavoidable_costs="0", causes=["illness"])
    services.hardship_file_check(staff.community, file_id=second.pk, passed=True)
    # when the district approves it without acknowledging the flag, in English
    client = api_client.as_user(staff.fangshan)
    client.cookies["django_language"] = "en"
    r = client.post(f"/api/v1/care/hardship-files/{second.pk}/approve", {})
    # then the conflict is English, with the same code, naming the flag field
    body = r.json()
    assert r.status_code == 409 and body["code"] == "duplicate_help"
    assert body["message"] == ("This worker already has another hardship file in the city; "
                               "please check and confirm")
    assert body["fields"]["acknowledge_flags"].startswith("This worker already has a file at")
    assert "same causes: Illness" in body["fields"]["acknowledge_flags"]
    # and the note kept on the file is Chinese
    second.refresh_from_db()
    assert "因病" in second.flags[0]["message"] and "Illness" not in second.flags[0]["message"]
    # and the same refusal without the cookie is Chinese
    del client.cookies["django_language"]
    body = client.post(f"/api/v1/care/hardship-files/{second.pk}/approve", {}).json()
    assert body["message"] == "该职工在全市已有其他困难档案，请核对后确认"
    assert body["fields"]["acknowledge_flags"] == second.flags[0]["message"]


def test_a_page_refusal_is_english(staff, city, campaign):
    # an allocation of a negative amount, posted from the English allocation form, is refused in English
    payload, url = {"union": str(city.fangshan.pk), "amount": "-5"}, f"/console/care/campaigns/{campaign.pk}/allocate/"
    page = signed_in(staff.city, "en").post(url, payload).content.decode()
    assert "Amount cannot be negative" in page and "金额不能为负数" not in page
    page = signed_in(staff.city).post(url, payload).content.decode()
    assert "金额不能为负数" in page and "Amount cannot be negative" not in page


def test_words_shared_with_other_subsystems_read_right_here(city, make_worker_user):
    """提交申请 is an event in members ("Application submitted") and a button here; 签到 is a volunteer's sign-in and
    a station's check-in: the message context keeps each its own English whichever catalogue loads first."""
    user = make_worker_user(72, union=city.community)
    page = signed_in(user, "en").get("/w/care/hardship/apply/").content.decode()
    assert "Submit application" in page and "Application submitted" not in page
    checkin = signed_in(user, "en").get("/w/stations/checkin/").content.decode()
    assert "<title>Check in" in checkin
    assert "提交申请" in signed_in(user).get("/w/care/hardship/apply/").content.decode()

"""Pages in English: with the language cookie set to English the worker's and the staff's benefit pages read in
English (choice labels too); without it they are Chinese as before."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhijia.benefits import services
from zhijia.conftest import signed_in


def test_worker_pages_in_english_and_in_chinese(members, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=1)
    member = members(1)

    page = signed_in(member, "en").get("/w/benefits/").content.decode()
    assert "Claim now" in page and "立即抢" not in page
    assert "Park pass" in page and "First come, first served" in page  # the model's choice labels
    assert '1 in all · <strong class="remaining">1</strong> left' in page
    claimed = signed_in(member, "en").post(f"/w/benefits/{offer.pk}/claim/", {"key": "k1"},
                                         HTTP_HX_REQUEST="true").content.decode()
    assert "You got one!" in claimed and "抢到了" not in claimed
    mine = signed_in(member, "en").get("/w/benefits/mine/").content.decode()
    assert "Cancel and give up the unit" in mine and "Claimed" in mine and "取消并让出名额" not in mine

    chinese = signed_in(member).get("/w/benefits/").content.decode()
    assert "立即抢" in chinese and "公园年票/通行证" in chinese and "Claim now" not in chinese


def test_console_pages_in_english_and_in_chinese(staff, members, make_offer, settings):
    settings.BENEFITS_GATE = "db"
    offer = make_offer(units=2)
    services.claim_create(members(1), benefit_id=offer.pk, idempotency_key="k")

    listing = signed_in(staff, "en").get("/console/benefits/").content.decode()
    assert "Publish a benefit" in listing and "发布普惠活动" not in listing
    detail = signed_in(staff, "en").get(f"/console/benefits/{offer.pk}/").content.decode()
    assert "Recently refused requests" in detail and "Claimed" in detail and "最近被拒绝的请求" not in detail
    form = signed_in(staff, "en").get("/console/benefits/new/").content.decode()
    assert "Limit per member" in form and "每人限领" not in form

    chinese = signed_in(staff).get("/console/benefits/").content.decode()
    assert "发布普惠活动" in chinese and "Publish a benefit" not in chinese


# --- the messages of refusals and bad input follow the request's language -------------------------------------------

def _claim(client, offer_id: int, key: str):
    return client.post(f"/api/v1/benefits/{offer_id}/claims", {}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)


def test_claim_refusals_in_english_and_in_chinese(members, make_offer, settings):
    """A refusal is built before it is raised (services._refusal, Refused): its message is still the request's
    language, the code the same, and the abuse log keeps its reason code whatever the language."""
    from zhijia.benefits.models import ClaimRefusal

    settings.BENEFITS_GATE = "db"
    now = timezone.now()
    later = make_offer(release_at=now + dt.timedelta(hours=2), closes_at=now + dt.timedelta(days=1))
    member = members(1)

    english = _claim(signed_in(member, "en"), later.pk, "k1")
    assert english.status_code == 409 and english.json()["code"] == "not_open"
    assert english.json()["message"].startswith("Not open yet: claiming opens ")
    chinese = _claim(signed_in(member), later.pk, "k2")
    assert chinese.status_code == 409 and chinese.json()["code"] == "not_open"
    assert chinese.json()["message"].startswith("尚未开始，") and chinese.json()["message"].endswith(" 开抢")
    assert list(ClaimRefusal.objects.filter(benefit=later).values_list("reason", flat=True)) == ["not_open"] * 2

    only_couriers = make_offer(eligible_occupations=["courier"])
    refused = _claim(signed_in(members(2, occupation="other"), "en"), only_couriers.pk, "k3").json()
    assert refused["code"] == "not_eligible" and refused["message"] == "Open only to: Courier"

    offer = make_offer(units=3)
    assert _claim(signed_in(member, "en"), offer.pk, "k4").status_code == 201
    over = _claim(signed_in(member, "en"), offer.pk, "k5").json()
    assert over["code"] == "over_limit" and over["message"] == "The limit is 1 per member and you have reached it"
    assert _claim(signed_in(member), offer.pk, "k6").json()["message"] == "每人限领1份，您已领满"


def test_bad_input_of_staff_in_english_naming_the_field(staff):
    now = timezone.now()
    offer = {"title": "十渡风景区年票", "kind": "pass", "units": 0, "release_at": now.isoformat(),
             "closes_at": (now + dt.timedelta(days=1)).isoformat()}
    english = signed_in(staff, "en").post("/api/v1/benefits", offer, content_type="application/json")
    assert english.status_code == 400 and english.json()["code"] == "invalid"
    assert english.json()["fields"] == {"units": "The number of units must be between 1 and 1000000"}
    chinese = signed_in(staff).post("/api/v1/benefits", offer, content_type="application/json")
    assert chinese.json()["fields"] == {"units": "名额应在1到1000000之间"}

    made_up = {"code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG"}
    forged = signed_in(staff, "en").post("/api/v1/benefits/redemptions", made_up, content_type="application/json")
    assert forged.status_code == 400 and forged.json()["code"] == "forged"
    assert forged.json()["fields"]["code"].startswith("Invalid redemption code")
    assert signed_in(staff).post("/api/v1/benefits/redemptions", made_up, content_type="application/json").json()[
        "message"] == "核销码无效：签名不符，可能是伪造或输错"

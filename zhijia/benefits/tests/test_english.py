"""Pages in English: with the language cookie set to English the worker's and the staff's benefit pages read in
English (choice labels too); without it they are Chinese as before."""

from __future__ import annotations

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

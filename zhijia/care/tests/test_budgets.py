"""Budgets down the tree, visits, stock: the rules a finance officer would check."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhijia.care import services
from zhijia.care.models import Allocation, BudgetEntry, GoodsKind, GoodsStock, StockEntry, Visit
from zhijia.care.tests.conftest import now
from zhijia.core.errors import NotFound, PermissionDenied, ValidationFailed


def test_allocation_never_exceeds_what_the_parent_has_left(campaign, staff, city):
    # given the city has 1,000,000 and gives 600,000 to 房山
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="600000")
    # when it tries to give 海淀 more than the 400,000 left
    with pytest.raises(ValidationFailed) as exc:
        services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.haidian.pk, amount="400000.01")
    # then it is refused, naming the field and the remainder, and nothing was written
    assert exc.value.fields == {"amount": "超出上级可分配余额（剩余400000.00元）"}
    assert not Allocation.objects.filter(campaign=campaign, union=city.haidian, amount__gt=0).exists()
    # and exactly the remainder is fine
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.haidian.pk, amount="400000.00")
    root = Allocation.objects.get(campaign=campaign, parent__isnull=True)
    assert root.allocated == Decimal("1000000.00") and root.remaining == 0


def test_a_district_allocates_from_its_own_share_to_its_streets(campaign, staff, city):
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="1000")
    street = services.allocation_create(staff.fangshan, campaign_id=campaign.pk, union=city.chengguan.pk,
                                        amount="700")
    assert street.parent.union == city.fangshan
    with pytest.raises(ValidationFailed):
        services.allocation_create(staff.fangshan, campaign_id=campaign.pk, union=city.couriers.pk, amount="300.01")
    # the community takes its money from its street (the nearest allocated ancestor), not from the district
    community = services.allocation_create(staff.fangshan, campaign_id=campaign.pk, union=city.community.pk,
                                           amount="700")
    assert community.parent.union == city.chengguan
    # 海淀 cannot allocate into 房山's subtree at all
    with pytest.raises(ValidationFailed):
        services.allocation_create(staff.haidian, campaign_id=campaign.pk, union=city.chengguan.pk, amount="1")


def test_a_street_cannot_take_money_from_the_city_over_its_district(campaign, staff, city):
    with pytest.raises(PermissionDenied):
        services.allocation_create(staff.chengguan, campaign_id=campaign.pk, union=city.community.pk, amount="1")


@pytest.mark.parametrize("amount, message", [
    ("-5", "金额不能为负数"), ("abc", "金额格式不正确，应为以元为单位的数字（最多两位小数）"),
    ("1.005", "金额最多保留两位小数（单位：元）"), ("0", "金额应大于0"),
    ("NaN", "金额格式不正确，应为以元为单位的数字（最多两位小数）"),
])
def test_malformed_amounts_are_refused_naming_the_field(campaign, staff, city, amount, message):
    with pytest.raises(ValidationFailed) as exc:
        services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount=amount)
    assert exc.value.fields == {"amount": message}
    assert BudgetEntry.objects.filter(campaign=campaign).count() == 1  # only the budget entry


def test_returns_and_reallocations_are_ledger_entries_not_overwrites(campaign, staff, city):
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="1000")
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.haidian.pk, amount="500")
    services.allocation_reallocate(staff.city, campaign_id=campaign.pk, from_union=city.fangshan.pk,
                                   to_union=city.haidian.pk, amount="200", note="海淀走访任务重")
    services.allocation_return(staff.haidian, campaign_id=campaign.pk, union=city.haidian.pk, amount="50")
    fs = Allocation.objects.get(campaign=campaign, union=city.fangshan)
    hd = Allocation.objects.get(campaign=campaign, union=city.haidian)
    root = Allocation.objects.get(campaign=campaign, parent__isnull=True)
    assert (fs.amount, hd.amount, root.allocated) == (Decimal("800"), Decimal("650"), Decimal("1450"))
    kinds = list(BudgetEntry.objects.filter(campaign=campaign).order_by("id").values_list("kind", "amount"))
    assert kinds == [("budget", Decimal("1000000.00")), ("allocate", Decimal("1000.00")),
                     ("allocate", Decimal("500.00")), ("reallocate", Decimal("200.00")), ("return", Decimal("50.00"))]
    # cannot return what was already spent or passed down
    with pytest.raises(ValidationFailed):
        services.allocation_return(staff.haidian, campaign_id=campaign.pk, union=city.haidian.pk, amount="650.01")


def test_a_visit_spends_money_and_goods_and_never_beyond_either(campaign, staff, city, make_worker_user):
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="1000")
    services.allocation_create(staff.fangshan, campaign_id=campaign.pk, union=city.chengguan.pk, amount="500")
    services.stock_receive(staff.chengguan, union=city.chengguan.pk, kind=GoodsKind.WARMTH_PACK, quantity=3,
                           unit_value="80")
    worker = make_worker_user(1, union=city.community).worker
    visit = services.visit_record(staff.chengguan, campaign=campaign.pk, union=city.chengguan.pk, worker=worker.pk,
                                  amount="200", goods=[{"kind": "warmth_pack", "quantity": 2, "unit_value": "80"}],
                                  visited_at=now(), visitors="王社工")
    assert visit.total == Decimal("360.00")
    allocation = Allocation.objects.get(campaign=campaign, union=city.chengguan)
    assert allocation.spent == Decimal("360.00") and allocation.remaining == Decimal("140.00")
    assert GoodsStock.objects.get(union=city.chengguan).quantity == 1
    # beyond the allocation
    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(staff.chengguan, campaign=campaign.pk, union=city.chengguan.pk, worker=worker.pk,
                              amount="140.01", visited_at=now())
    assert "amount" in exc.value.fields
    # beyond the stock (2 packs, 1 left): refused, and nothing of it written
    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(staff.chengguan, campaign=campaign.pk, union=city.chengguan.pk, group_name="城关快递站",
                              people=5, goods=[{"kind": "warmth_pack", "quantity": 2, "unit_value": "10"}],
                              visited_at=now())
    assert exc.value.fields == {"goods.0.quantity": "温暖包库存不足（现有1）"}
    assert Visit.objects.count() == 1 and StockEntry.objects.filter(change__lt=0).count() == 1


def test_stock_cannot_go_negative_even_bypassing_the_service(city, staff, db):
    from django.db import IntegrityError, transaction

    stock = services.stock_receive(staff.chengguan, union=city.chengguan.pk, kind="health_pack", quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoodsStock.objects.filter(pk=stock.pk).update(quantity=-1)


def test_a_visit_needs_a_known_worker_or_a_group_and_a_time_in_the_campaign(campaign, staff, city):
    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="1000")
    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.fangshan.pk, worker=999999,
                              amount="10", visited_at=now())
    assert exc.value.fields == {"worker": "职工不存在"}
    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.fangshan.pk, group_name="某站",
                              amount="10", visited_at=now())
    assert "people" in exc.value.fields
    import datetime as dt

    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.fangshan.pk, group_name="某站",
                              people=3, amount="10", visited_at=now() - dt.timedelta(days=60))
    assert "visited_at" in exc.value.fields
    # a union with no allocation cannot spend
    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.chengguan.pk, group_name="某站",
                              people=3, amount="10", visited_at=now())
    assert exc.value.fields == {"union": "该单位在本活动中没有预算分配"}


def test_a_sibling_district_cannot_see_the_campaign_it_has_no_part_in(staff, city):
    import datetime as dt

    from zhijia.care import selectors

    c = services.campaign_create(staff.fangshan, name="房山区送清凉", budget="1000", starts_on=dt.date(2026, 6, 1),
                                 ends_on=dt.date(2026, 8, 31))
    with pytest.raises(NotFound):
        selectors.campaign_get(user=staff.haidian, campaign_id=c.pk)
    assert selectors.campaign_get(user=staff.chengguan, campaign_id=c.pk) == c
    assert selectors.campaign_get(user=staff.city, campaign_id=c.pk) == c


def test_group_list_import_links_workers_and_reports_bad_rows(campaign, staff, city, make_worker_user):
    import io

    from openpyxl import Workbook

    from zhijia.members.demo import demo_person

    services.allocation_create(staff.city, campaign_id=campaign.pk, union=city.fangshan.pk, amount="1000")
    worker = make_worker_user(7, union=city.couriers).worker
    visit = services.visit_record(staff.fangshan, campaign=campaign.pk, union=city.fangshan.pk,
                                  group_name="良乡快递分拨中心", people=2, amount="300", visited_at=now())
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    ws.append([worker.name, demo_person(7)["id_number"]])
    ws.append(["李四", demo_person(8)["id_number"]])
    ws.append(["王五", "110111199001011234"])  # wrong check digit
    ws.append(["李四", demo_person(8)["id_number"]])  # repeated in the file
    buf = io.BytesIO()
    wb.save(buf)
    report = services.visit_recipients_import(staff.fangshan, visit_id=visit.pk, content=buf.getvalue(),
                                              filename="名单.xlsx")
    assert report["added"] == 2 and report["listed"] == 2
    assert [(e["row"], e["message"]) for e in report["errors"]] == [(4, "身份证号校验位不正确"), (5, "文件内重复")]
    # importing the same file again adds no one
    again = services.visit_recipients_import(staff.fangshan, visit_id=visit.pk, content=buf.getvalue(),
                                             filename="名单.xlsx")
    assert again["added"] == 0 and again["already_listed"] == 2
    # the linked worker's care history shows the group visit
    from zhijia.care.selectors import care_history

    assert [h["title"] for h in care_history(worker=worker)] == ["2026年冬季送温暖（集体：良乡快递分拨中心）"]

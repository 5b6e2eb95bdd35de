"""Totals per district on a hand-computed set, and the scope: each district sees its own, a sibling sees nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhijia.core.errors import NotFound
from zhijia.studios import selectors, services
from zhijia.studios.patents import patent_number_for

pytestmark = pytest.mark.django_db
LOW = {"rules": 5, "team": 5, "projects": 5, "results": 5, "conversion": 5, "funds": 5}


@pytest.fixture
def books(admin, fangshan_staff, haidian_staff, make_studio, city):
    """Given: 房山 has two district studios (one in 城关街道) and one municipal; 海淀 has one district studio and one
    that is revoked.

    | studio     | district | level     | granted        | spent        | patents | conversions (value)    |
    | fs_a       | 110111   | district  | 30,000         | 12,000       | 2       | 1 (100,000)            |
    | fs_b (城关) | 110111   | district  | 10,000         | 10,000       | 0       | 0                      |
    | fs_m       | 110111   | municipal | 50,000 + 20,000| 25,000.50    | 1       | 2 (80,000 + 0.50)      |
    | hd_a       | 110108   | district  | 8,000          | 0            | 1       | 1 (5,000)              |
    | hd_gone    | 110108   | district  | 1,000          | 500          | 1       | 0   (revoked: left out) |
    """
    fs_a = make_studio(fangshan_staff)
    fs_b = make_studio(fangshan_staff, union=city.chengguan, region_code="110111")
    fs_m = make_studio(admin, level="municipal")
    hd_a = make_studio(haidian_staff, union=city.haidian)
    hd_gone = make_studio(haidian_staff, union=city.haidian)
    serial = iter(range(1, 100))

    def grant(studio, amount, spent=()):
        g = services.grant_create(admin, studio_id=studio.pk, amount=amount, year=2021, purpose="补助",
                                  granting_union_id=studio.union_id)
        for s in spent:
            services.grant_spend(admin, grant_id=g.pk, amount=s, purpose="使用")

    def patents(studio, n):
        for _ in range(n):
            services.patent_add(admin, studio_id=studio.pk, title="专利",
                                number=patent_number_for(2021, "invention", next(serial)))

    def conversion(studio, value):
        services.conversion_add(admin, studio_id=studio.pk, title="转化", partner="某公司", value=value, year=2022)

    grant(fs_a, "30000", ["10000", "2000"])
    grant(fs_b, "10000", ["10000"])
    grant(fs_m, "50000", ["25000"])
    grant(fs_m, "20000", ["0.50"])
    grant(hd_a, "8000")
    grant(hd_gone, "1000", ["500"])
    patents(fs_a, 2)
    patents(fs_m, 1)
    patents(hd_a, 1)
    patents(hd_gone, 1)
    conversion(fs_a, "100000")
    conversion(fs_m, "80000")
    conversion(fs_m, "0.50")
    conversion(hd_a, "5000")
    services.review_record(admin, studio_id=hd_gone.pk, year=2022, scores=LOW, reason="长期停滞", action="revoke")
    return type("Books", (), {"fs_a": fs_a, "fs_b": fs_b, "fs_m": fs_m, "hd_a": hd_a, "hd_gone": hd_gone})


def test_totals_per_district_for_the_city(books, admin):
    totals = selectors.studio_totals(user=admin)
    rows = {r["region_code"]: r for r in totals["rows"]}
    assert set(rows) == {"110108", "110111"}
    fs = rows["110111"]
    assert fs["district"] == "房山区"
    assert (fs["district_studios"], fs["municipal_studios"], fs["studios"]) == (2, 1, 3)
    assert fs["granted"] == Decimal("110000.00")
    assert fs["spent"] == Decimal("47000.50")
    assert fs["balance"] == Decimal("62999.50")
    assert (fs["patents"], fs["conversions"], fs["conversion_value"]) == (3, 3, Decimal("180000.50"))
    hd = rows["110108"]
    assert (hd["district_studios"], hd["municipal_studios"], hd["granted"], hd["spent"]) == (1, 0, Decimal("8000"), 0)
    assert (hd["patents"], hd["conversions"], hd["conversion_value"]) == (1, 1, Decimal("5000"))
    t = totals["total"]
    assert (t["studios"], t["granted"], t["spent"], t["patents"], t["conversions"]) == \
        (4, Decimal("118000.00"), Decimal("47000.50"), 4, 4)
    assert t["conversion_value"] == Decimal("185000.50")


def test_a_revoked_studio_counts_when_asked(books, admin):
    t = selectors.studio_totals(user=admin, include_revoked=True)["total"]
    assert (t["studios"], t["granted"], t["patents"]) == (5, Decimal("119000.00"), 5)


def test_each_district_sees_its_subtree_and_a_sibling_nothing(books, fangshan_staff, haidian_staff, make_staff, city):
    fs = selectors.studio_totals(user=fangshan_staff)
    assert [r["region_code"] for r in fs["rows"]] == ["110111"] and fs["total"]["studios"] == 3
    hd = selectors.studio_totals(user=haidian_staff)
    assert [r["region_code"] for r in hd["rows"]] == ["110108"] and hd["total"]["granted"] == Decimal("8000.00")
    street = make_staff("sd_street", city.chengguan, role="grassroots_staff")
    mine = selectors.studio_totals(user=street)
    assert mine["total"]["studios"] == 1 and mine["total"]["granted"] == Decimal("10000.00")
    sibling = make_staff("sd_zgc", city.zhongguancun, role="grassroots_staff")  # a street in 海淀
    assert selectors.studio_totals(user=sibling)["rows"] == []
    assert selectors.studio_list(user=sibling).count() == 0
    assert selectors.studio_list(user=haidian_staff).filter(pk=books.fs_a.pk).count() == 0
    with pytest.raises(NotFound):
        selectors.studio_get(user=haidian_staff, studio_id=books.fs_a.pk)
    with pytest.raises(NotFound):
        selectors.grant_get(user=haidian_staff, grant_id=books.fs_a.grants.get().pk)


def test_list_annotations_do_not_multiply(books, admin):
    fs_m = selectors.studio_list(user=admin).get(pk=books.fs_m.pk)
    assert (fs_m.granted, fs_m.spent_total, fs_m.patent_count, fs_m.conversion_count) == \
        (Decimal("70000.00"), Decimal("25000.50"), 1, 2)


def test_public_list_is_nearest_first_and_hides_revoked(books):
    near_haidian = selectors.studio_public_list(lat=39.9593, lng=116.2981, limit=10)
    assert near_haidian[0]["id"] == books.hd_a.pk
    assert books.hd_gone.pk not in [p["id"] for p in near_haidian]
    assert near_haidian[0]["distance_m"] == 0 and near_haidian[1]["distance_m"] > 20000
    by_district = selectors.studio_public_list(region_code="110111")
    assert {p["id"] for p in by_district} == {books.fs_a.pk, books.fs_b.pk, books.fs_m.pk}

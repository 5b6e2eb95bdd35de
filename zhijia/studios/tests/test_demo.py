"""The demo: page 4's figures exactly (32 district and 9 municipal studios, ¥1,567,000, 34 patents, 24 conversions),
idempotent. (The whole city, members included, is seeded by core's seed_demo test.)"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from zhijia.stations.geo import DISTRICT_CENTRES
from zhijia.studios.models import InnovationStudio

pytestmark = pytest.mark.django_db


@pytest.fixture
def districts(city, make_staff):
    """The 16 district federations of the demo city under 北京市总工会, and its admin."""
    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert

    for code, (name, _, _) in DISTRICT_CENTRES.items():
        if not Union.objects.filter(region_code=code, level=Level.DISTRICT).exists():
            _insert(Union(parent=city.root, name=f"{name}总工会", level=Level.DISTRICT, kind=Kind.FEDERATION,
                          region_code=code))
    return make_staff("admin", city.root, role="municipal_admin")


def test_demo_has_the_figures_of_page_4_and_a_second_run_changes_nothing(districts, fangshan_staff):
    from zhijia.studios import demo, selectors

    out = io.StringIO()
    demo.seed(out, {})
    assert "32 district and 9 municipal" in out.getvalue()
    total = selectors.studio_totals(user=districts)["total"]
    assert (total["district_studios"], total["municipal_studios"]) == (32, 9)
    assert total["granted"] == Decimal("1567000.00") and Decimal("0") < total["spent"] < total["granted"]
    assert (total["patents"], total["conversions"]) == (34, 24)
    assert InnovationStudio.objects.filter(name="孙礼玲创新工作室", level="municipal", region_code="110114").exists()
    assert InnovationStudio.objects.filter(status="probation").count() == 1
    assert [r["region_code"] for r in selectors.studio_totals(user=fangshan_staff)["rows"]] == ["110111"]
    demo.seed(io.StringIO(), {})
    assert InnovationStudio.objects.count() == 41

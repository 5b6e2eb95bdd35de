"""Care fixtures: staff at each level of the small test city, demo workers, a 低保 figure, and a campaign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def staff(city, make_staff):
    return type("Staff", (), {
        "city": make_staff("c_admin", city.root, role="municipal_admin"),
        "fangshan": make_staff("c_fangshan", city.fangshan),
        "haidian": make_staff("c_haidian", city.haidian),
        "chengguan": make_staff("c_chengguan", city.chengguan, role="grassroots_staff"),
        "community": make_staff("c_community", city.community, role="grassroots_staff"),
        "agent": make_staff("c_agent", city.root, role="hotline_agent"),
    })


@pytest.fixture
def living_standard(db):
    from zhijia.care.models import LivingStandard

    year = timezone.localdate().year
    return LivingStandard.objects.create(region_code="110000", year=year, monthly_amount="1420.00")


@pytest.fixture
def campaign(staff):
    """A city campaign of 1,000,000 yuan running from a month ago to a month ahead."""
    from zhijia.care import services

    today = timezone.localdate()
    return services.campaign_create(staff.city, name="2026年冬季送温暖", budget="1000000.00",
                                     starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=30))


def now():
    return timezone.now() - dt.timedelta(minutes=1)

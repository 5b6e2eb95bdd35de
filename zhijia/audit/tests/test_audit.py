import pytest
from django.db import DatabaseError, connection, transaction

from zhijia.audit.models import AuditEvent
from zhijia.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted_through_the_model(city, make_staff):
    event = audit_record(actor=make_staff("fs", city.fangshan), action="view_pii", obj=city.fangshan)

    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_the_database_refuses_updates_on_postgresql(city, make_staff):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    audit_record(actor=make_staff("fs", city.fangshan), action="export", obj=city.fangshan)

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="other")


def test_admins_browse_only_their_subtree(city, make_staff, api_client):
    fs = make_staff("fs", city.fangshan)
    hd = make_staff("hd", city.haidian)
    audit_record(actor=fs, action="export", obj=city.chengguan)
    audit_record(actor=hd, action="export", obj=city.zhongguancun)

    events = api_client.as_user(fs).get("/api/v1/audit/events").json()["items"]

    assert [e["object_repr"] for e in events] == ["城关街道总工会"]


def test_grassroots_staff_may_not_browse_the_log(city, make_staff, api_client):
    response = api_client.as_user(make_staff("gr", city.chengguan, role="grassroots_staff")).get(
        "/api/v1/audit/events")

    assert response.status_code == 403

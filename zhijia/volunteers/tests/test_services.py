import datetime as dt

import pytest

from zhijia.core.errors import Conflict, NotFound, ValidationFailed
from zhijia.volunteers import selectors, services
from zhijia.volunteers.models import Deployment, Shift

T0 = dt.datetime(2022, 10, 28, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(city, make_staff, make_worker_user):
    fs = make_staff("fs1", city.fangshan)
    hd = make_staff("hd1", city.haidian)
    workers = [make_worker_user(i, union=city.community) for i in range(1, 5)]
    vols = [services.volunteer_register(w, skills=["卫生消杀", "秩序维持"]) for w in workers]
    hd_worker = make_worker_user(9, union=city.zhongguancun)
    hd_vol = services.volunteer_register(hd_worker, skills=["买菜寄递"])
    return type("P", (), {"fs": fs, "hd": hd, "workers": workers, "vols": vols, "hd_vol": hd_vol,
                          "hd_worker": hd_worker})


def deploy(actor, batch, vols, hours=12):
    return services.deployment_create(actor, title="下沉建西社区", batch=batch, place="建西社区",
                                      starts_at=T0 + dt.timedelta(days=batch),
                                      ends_at=T0 + dt.timedelta(days=batch, hours=hours),
                                      volunteers=[v.pk for v in vols])


def test_hours_and_person_times_on_a_hand_counted_set(people):
    # Batch 1: 3 volunteers; batch 2: 2 volunteers (one a repeat); batch 2 again at another place counts once.
    d1 = deploy(people.fs, 1, people.vols[:3])
    d2 = deploy(people.fs, 2, people.vols[2:4])
    d3 = deploy(people.fs, 2, people.vols[:1])
    # Hours signed: 8 + 6 + 4.5 on batch 1, 10 on batch 2; the others never signed out (no hours).
    for shift, hours in zip(Shift.objects.filter(deployment=d1).order_by("volunteer_id"), [8, 6, 4.5], strict=True):
        start = d1.starts_at + dt.timedelta(minutes=30)
        services.shift_record(people.fs, shift_id=shift.pk, signed_in_at=start,
                              signed_out_at=start + dt.timedelta(hours=hours))
    s = Shift.objects.filter(deployment=d2).order_by("volunteer_id").first()
    w = next(w for w in people.workers if w.worker.pk == s.volunteer.worker_id)
    services.shift_sign_in(w, shift_id=s.pk, at=d2.starts_at)
    services.shift_sign_out(w, shift_id=s.pk, at=d2.starts_at + dt.timedelta(hours=10))
    stats = selectors.volunteer_stats(user=people.fs)
    assert (stats["batches"], stats["person_times"], stats["hours"]) == (2, 6, 28.5)
    assert Deployment.objects.filter(pk=d3.pk).exists()
    # Haidian sees none of it.
    assert selectors.volunteer_stats(user=people.hd)["person_times"] == 0


def test_sign_out_before_sign_in_is_refused_and_nothing_written(people):
    d = deploy(people.fs, 1, people.vols[:1])
    shift = Shift.objects.get(deployment=d)
    with pytest.raises(ValidationFailed) as err:
        services.shift_sign_out(people.workers[0], shift_id=shift.pk, at=d.starts_at)
    assert "shift" in err.value.fields
    shift.refresh_from_db()
    assert shift.signed_in_at is None and shift.signed_out_at is None
    services.shift_sign_in(people.workers[0], shift_id=shift.pk, at=d.starts_at)
    with pytest.raises(Conflict):
        services.shift_sign_in(people.workers[0], shift_id=shift.pk, at=d.starts_at)
    with pytest.raises(ValidationFailed):
        services.shift_sign_out(people.workers[0], shift_id=shift.pk, at=d.starts_at - dt.timedelta(minutes=1))
    # Someone else's shift is not found.
    with pytest.raises(NotFound):
        services.shift_sign_in(people.workers[1], shift_id=shift.pk, at=d.starts_at)


def test_out_of_scope_volunteer_refuses_the_whole_deployment(people):
    with pytest.raises(ValidationFailed) as err:
        deploy(people.fs, 1, [people.vols[0], people.hd_vol])
    assert "volunteers" in err.value.fields
    assert not Deployment.objects.exists() and not Shift.objects.exists()


def test_bad_deployment_input_names_the_field(people):
    with pytest.raises(ValidationFailed) as err:
        services.deployment_create(people.fs, title="x", batch=1, place="p", starts_at=T0, ends_at=T0,
                                   volunteers=[people.vols[0].pk])
    assert "ends_at" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        services.deployment_create(people.fs, title="x", batch=0, place="p", starts_at=T0,
                                   ends_at=T0 + dt.timedelta(hours=1), volunteers=[people.vols[0].pk])
    assert "batch" in err.value.fields
    assert not Deployment.objects.exists()


def test_certificate_lists_signed_shifts(people):
    from zhijia.volunteers.certificate import certificate_pdf

    d = deploy(people.fs, 1, people.vols[:1])
    shift = Shift.objects.get(deployment=d)
    services.shift_record(people.fs, shift_id=shift.pk, signed_in_at=d.starts_at,
                          signed_out_at=d.starts_at + dt.timedelta(hours=7, minutes=30))
    cert = selectors.volunteer_certificate(user=people.workers[0])
    assert (cert["person_times"], cert["hours"]) == (1, 7.5)
    pdf = certificate_pdf(cert)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000

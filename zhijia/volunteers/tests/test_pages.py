import datetime as dt

from django.test import Client
from django.utils import timezone

from zhijia.volunteers import services
from zhijia.volunteers.models import Deployment, Shift, Volunteer


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_worker_signs_up_signs_in_and_out_and_downloads_the_certificate(city, make_worker_user, make_staff):
    worker = make_worker_user(1, union=city.community)
    staff = make_staff("fs1", city.fangshan)
    c = signed_in(worker)
    r = c.post("/w/volunteers/register/", {"skills": ["卫生消杀", "秩序维持"], "availability": "周末"}, follow=True)
    assert "已登记为志愿者" in r.content.decode()
    v = Volunteer.objects.get()
    now = timezone.now()
    services.deployment_create(staff, title="社区消杀", batch=1, place="某社区", starts_at=now - dt.timedelta(hours=1),
                               ends_at=now + dt.timedelta(hours=6), volunteers=[v.pk])
    shift = Shift.objects.get()
    r = c.post(f"/w/volunteers/shifts/{shift.pk}/", {"action": "out"}, follow=True)
    assert "尚未签到" in r.content.decode()
    c.post(f"/w/volunteers/shifts/{shift.pk}/", {"action": "in"})
    Shift.objects.filter(pk=shift.pk).update(signed_in_at=now - dt.timedelta(hours=3))
    r = c.post(f"/w/volunteers/shifts/{shift.pk}/", {"action": "out"}, follow=True)
    assert "已签退" in r.content.decode()
    pdf = c.get("/w/volunteers/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_console_deploys_a_batch(city, make_worker_user, make_staff):
    staff = make_staff("fs1", city.fangshan)
    v = services.volunteer_register(make_worker_user(1, union=city.community), skills=["买菜寄递"])
    c = signed_in(staff)
    assert c.get("/console/volunteers/").status_code == 200
    r = c.post("/console/volunteers/", {"title": "买菜寄递", "batch": "3", "place": "滨河测试点",
                                        "task": "grocery_delivery", "starts_at": "2022-10-30T08:00",
                                        "ends_at": "2022-10-30T18:00",
                                        "volunteers": [str(v.pk)]}, follow=True)
    assert "已派出本批次" in r.content.decode() and "滨河测试点" in r.content.decode()
    assert Deployment.objects.get().batch == 3
    hd = signed_in(make_staff("hd1", city.haidian))
    assert "滨河测试点" not in hd.get("/console/volunteers/").content.decode()

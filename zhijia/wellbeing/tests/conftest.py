import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def staff(city, make_staff):
    return type("Staff", (), {"admin": make_staff("admin1", city.root, role="municipal_admin"),
                              "fangshan": make_staff("fs1", city.fangshan),
                              "haidian": make_staff("hd1", city.haidian)})


@pytest.fixture
def counsellor(city, staff):
    from zhijia.wellbeing.services import counsellor_register

    return counsellor_register(staff.fangshan, username="c_fs", name="李咨询", union_id=city.fangshan.pk,
                               qualifications="国家二级心理咨询师", languages="普通话,英语",
                               station_place="房山区职工心灵驿站")


@pytest.fixture
def slot(counsellor):
    from zhijia.wellbeing.services import slot_publish

    return slot_publish(counsellor.user, starts_at=timezone.now() + dt.timedelta(days=1), mode="online")


@pytest.fixture
def worker(city, make_worker_user):
    return make_worker_user(1, union=city.community)

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def staff(city, make_staff):
    return type("Staff", (), {"admin": make_staff("admin1", city.root, role="municipal_admin"),
                              "fangshan": make_staff("fs1", city.fangshan),
                              "haidian": make_staff("hd1", city.haidian)})


def make_challenge(actor, union, *, days_before: int = 10, days_after: int = 10, **kw):
    from zhijia.challenge.services import challenge_create, quiz_question_add

    today = timezone.localdate()
    challenge = challenge_create(actor, union_id=union.pk, title=kw.pop("title", "冬奥有我·精彩前行"),
                                 starts_on=today - dt.timedelta(days=days_before),
                                 ends_on=today + dt.timedelta(days=days_after), **kw)
    for i in range(8):
        quiz_question_add(actor, challenge_id=challenge.pk, text=f"第{i + 1}题：1+{i}=?",
                          choices=[str(1 + i), str(2 + i), str(3 + i)], answer=0, explanation=f"1+{i}={1 + i}")
    return challenge


@pytest.fixture
def challenge(city, staff):
    """房山's running challenge with the default rules (walk: 2 points per 1,000 steps, 40 a day; the day: 100)."""
    return make_challenge(staff.fangshan, city.fangshan)


@pytest.fixture
def worker(city, make_worker_user):
    return make_worker_user(1, union=city.community)


@pytest.fixture
def joined(worker, challenge):
    from zhijia.challenge.services import challenge_join

    challenge_join(worker, challenge_id=challenge.pk)
    return worker


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def photo(extra: bytes = b"", name: str = "run.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG + extra, content_type="image/png")

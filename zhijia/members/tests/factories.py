"""Test data through the real services."""

from __future__ import annotations

from zhijia.members import services
from zhijia.members.demo import demo_person


def apply(actor, i: int, *, occupation: str = "courier", region: str = "110111001000", credit: str | None = None,
          **extra):
    p = demo_person(i)
    return services.application_submit(actor, name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                       occupation=occupation, work_region_code=region, employer_credit_code=credit,
                                       **extra)


def person(i: int) -> dict:
    return demo_person(i)

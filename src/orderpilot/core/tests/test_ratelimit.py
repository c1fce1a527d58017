import datetime as dt

import pytest

from orderpilot.core.ratelimit import drain, take_token

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def test_burst_then_published_rate():
    # given Amazon's searchOrders plan: one call per 180 s, burst 20 (rate 1/180 for round numbers)
    rate, burst = 1 / 180, 20
    # when 20 calls come at once, all pass; the 21st must wait a full interval
    assert [take_token("k", rate=rate, burst=burst, now=T0) for _ in range(20)] == [0.0] * 20
    assert take_token("k", rate=rate, burst=burst, now=T0) == pytest.approx(180)
    # then after 90 s still half a token short, after 180 s one call
    assert take_token("k", rate=rate, burst=burst, now=T0 + dt.timedelta(seconds=90)) == pytest.approx(90)
    assert take_token("k", rate=rate, burst=burst, now=T0 + dt.timedelta(seconds=180)) == 0.0
    assert take_token("k", rate=rate, burst=burst, now=T0 + dt.timedelta(seconds=180)) > 0


def test_refill_never_exceeds_the_burst():
    take_token("k", rate=1.0, burst=2, now=T0)
    later = T0 + dt.timedelta(hours=1)
    assert [take_token("k", rate=1.0, burst=2, now=later) for _ in range(3)][:2] == [0.0, 0.0]
    assert take_token("k", rate=1.0, burst=2, now=later) == pytest.approx(1.0)


def test_drain_after_a_429_makes_every_caller_wait():
    take_token("k", rate=0.5, burst=30, now=T0)
    drain("k", now=T0)
    assert take_token("k", rate=0.5, burst=30, now=T0) == pytest.approx(2.0)


def test_buckets_are_separate_per_key():
    assert take_token("a", rate=1.0, burst=1, now=T0) == 0.0
    assert take_token("b", rate=1.0, burst=1, now=T0) == 0.0
    assert take_token("a", rate=1.0, burst=1, now=T0) > 0

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from orderpilot.channels.models import Channel
from orderpilot.core.health import flag_stuck_work, stuck_work
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage
from orderpilot.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_health_reports_database_broker_worker_and_channels(client):
    # given a channel that polled a minute ago and a worker that just ran
    Channel.objects.create(
        code="amazon-de", kind="amazon", last_poll_ok_at=timezone.now() - dt.timedelta(minutes=1)
    )
    run_due_work()
    # when (the test settings point the broker at a SQLite file, which is reachable)
    body = client.get("/api/health/").json()
    # then
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert 0 <= body["worker_last_seen_s"] < 60
    assert 55 <= body["channels"]["amazon-de"]["last_poll_ok_age_s"] <= 70
    assert body["problems"] == []


@override_settings(CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//")
def test_health_says_degraded_when_the_broker_is_down(client):
    body = client.get("/api/health/").json()
    assert (body["status"], body["broker"]) == ("degraded", "error")


def test_a_channel_failing_for_three_intervals_opens_one_ticket():
    now = timezone.now()
    Channel.objects.create(
        code="amazon-de",
        kind="amazon",
        poll_interval=300,
        poll_failing_since=now - dt.timedelta(minutes=16),
        last_poll_error="403 Unauthorized",
    )
    Channel.objects.create(code="fresh", kind="amazon", poll_failing_since=now - dt.timedelta(minutes=2))
    assert [p.key for p in stuck_work(now) if p.key.startswith("poll:")] == ["poll:amazon-de"]
    assert flag_stuck_work() == 1
    assert flag_stuck_work() == 0
    ticket = Ticket.objects.get()
    assert ticket.title == "amazon-de: no successful poll yet: 403 Unauthorized"


def test_an_overdue_outbox_backlog_is_stuck_work():
    OutboxMessage.objects.create(
        kind="email", idempotency_key="k", payload={}, next_attempt_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert "1 outbox message(s) overdue by more than 15 minutes" in [p.message for p in stuck_work()]


def test_metrics_need_staff_or_the_token(client, settings):
    settings.ORDERPILOT_METRICS_TOKEN = "scrape-me"
    assert client.get("/api/metrics/").status_code == 401
    assert client.get("/api/metrics/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get("/api/metrics/", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert response.status_code == 200
    assert b"orderpilot_outbox_messages{status=\"queued\"} 0.0" in response.content
    staff = get_user_model().objects.create_user("ops", is_staff=True)
    client.force_login(staff)
    assert client.get("/api/metrics/").status_code == 200

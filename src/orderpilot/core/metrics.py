"""Prometheus metrics, computed from the database at scrape time (so every worker agrees)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from . import health


class OrderPilotCollector:
    def collect(self):
        from django.db.models import Count

        from orderpilot.channels.models import Channel
        from orderpilot.orders.models import SalesOrder
        from orderpilot.tickets.models import Ticket

        orders = GaugeMetricFamily("orderpilot_orders", "Orders by status", labels=["status"])
        for row in SalesOrder.objects.values("status").annotate(n=Count("pk")):
            orders.add_metric([row["status"]], row["n"])
        yield orders
        outbox = GaugeMetricFamily("orderpilot_outbox_messages", "Outbox messages by status", labels=["status"])
        for status, count in health.outbox_counts().items():
            outbox.add_metric([status], count)
        yield outbox
        tickets = GaugeMetricFamily("orderpilot_open_tickets", "Open tickets by reason", labels=["reason"])
        for row in Ticket.objects.exclude(status="closed").values("reason").annotate(n=Count("pk")):
            tickets.add_metric([row["reason"]], row["n"])
        yield tickets
        polls = GaugeMetricFamily(
            "orderpilot_channel_last_poll_ok_timestamp", "Unix time of the last successful poll", labels=["channel"]
        )
        for channel in Channel.objects.filter(active=True):
            polls.add_metric([channel.code], channel.last_poll_ok_at.timestamp() if channel.last_poll_ok_at else 0)
        yield polls
        stuck = GaugeMetricFamily("orderpilot_stuck_work", "Kinds of stuck work detected now")
        stuck.add_metric([], len(health.stuck_work()))
        yield stuck


def render_metrics() -> bytes:
    registry = CollectorRegistry()
    registry.register(OrderPilotCollector())
    return generate_latest(registry)

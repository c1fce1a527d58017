"""The engine's last step: a review request some days after shipping, then the order is complete."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from orderpilot.core.configuration.sections import notification_settings
from orderpilot.core.outbox import enqueue_message
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import transition_order, wait_order
from orderpilot.orders.states import OrderStatus
from orderpilot.orders.timeline import record_event

from .policy import MessageKind
from .services import queue_customer_email

#: channel kinds whose review requests go through the marketplace, never by email
MARKETPLACE_REVIEW_KINDS = frozenset({"amazon"})


def request_review_for_paid_order(order: SalesOrder) -> None:
    """Wait until the configured delay after shipping has passed, ask for a review once, complete."""
    shipped_at = order.shipments.aggregate(first=Min("packages__shipped_at"))["first"] or order.updated_at
    due = shipped_at + dt.timedelta(seconds=notification_settings().review_request_after)
    if timezone.now() < due:
        wait_order(order, until=due, reason="review request is due later")
        return
    if order.channel.kind in MARKETPLACE_REVIEW_KINDS:
        enqueue_message(
            "marketplace.request_review",
            key=f"review:{order.channel.code}:{order.external_id}",
            payload={"order": order.pk},
            order=order,
        )
    else:
        review_url = (order.channel.settings or {}).get("review_url", "")
        if review_url:
            url = review_url.format(order=order.external_id)
            queue_customer_email(order, MessageKind.REVIEW_REQUEST, extra={"review_url": url})
        else:
            record_event(order, "review_request_skipped", "no review_url configured for the channel")
    transition_order(order, OrderStatus.COMPLETED, reason="review requested; nothing left to do")

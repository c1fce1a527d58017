"""Customer notifications: decided by the channel's policy, rendered now, sent through the outbox."""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone, translation

from orderpilot.core.configuration.sections import company_settings
from orderpilot.core.outbox import enqueue_message
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.timeline import record_event

from .policy import MessageKind, may_email
from .rendering import render_email
from .tracking import tracking_url


def queue_customer_email(order: SalesOrder, kind: MessageKind, *, extra: dict[str, Any] | None = None) -> bool:
    """Queue email ``kind`` to the order's customer once; returns whether one was queued.

    Nothing is sent when the channel's policy forbids it, the customer has no address, or (for
    review requests, which are advertising) the customer opted out. Runs in the caller's
    transaction; the outbox key makes a second call for the same order and kind a no-op.
    """
    if not may_email(order.channel, kind):
        return False
    customer = order.customer
    if customer is None or not customer.email or customer.anonymised_at:
        return False
    if kind == MessageKind.REVIEW_REQUEST and customer.email_opt_out:
        record_event(order, "email_skipped", "review request: the customer opted out")
        return False
    language = order.language if order.language in ("de", "en") else "en"
    with translation.override(language):
        email = render_email(kind, language, _context(order, extra or {}))
    message = enqueue_message(
        "email",
        key=f"mail:{kind}:{order.pk}",
        payload={"to": customer.email, "subject": email.subject, "text": email.text, "html": email.html},
        order=order,
    )
    record_event(order, "email_queued", f"{kind} → {customer.email}", data={"outbox": message.pk, "kind": str(kind)})
    return True


def _context(order: SalesOrder, extra: dict[str, Any]) -> dict[str, Any]:
    company = company_settings()
    packages = [
        {
            "carrier": package.carrier,
            "tracking_number": package.tracking_number,
            "tracking_url": tracking_url(package.carrier, package.tracking_number),
        }
        for shipment in order.shipments.prefetch_related("packages")
        for package in shipment.packages.all()
    ]
    return {
        "order": {
            "external_id": order.external_id,
            "ordered_at": formats.date_format(timezone.localtime(order.ordered_at), "SHORT_DATE_FORMAT"),
            "total": formats.number_format(order.total_gross, 2),
            "currency": order.currency,
        },
        "customer": {"name": order.customer.name or order.customer.email},
        "lines": [
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "total": formats.number_format(line.total_gross, 2),
            }
            for line in order.lines.all()
        ],
        "packages": packages,
        "company": {"name": company.name if company else ""},
        **extra,
    }

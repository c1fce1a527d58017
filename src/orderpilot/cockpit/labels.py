"""Human names of timeline event kinds and outbox message kinds (German and English)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "imported": _("imported"),
    "updated": _("updated by the channel"),
    "status_changed": _("status changed"),
    "ticket_opened": _("ticket opened"),
    "ticket_closed": _("ticket closed"),
    "delivery_note_created": _("delivery note created"),
    "delivery_note_transmitted": _("delivery note transmitted"),
    "tracking_received": _("tracking number received"),
    "partially_shipped": _("partly shipped"),
    "confirmation_overdue": _("shipping confirmation overdue"),
    "shipment_cancelled": _("delivery note cancelled"),
    "shipment_cancellation_sent": _("cancellation sent to the shipper"),
    "step_failed": _("processing stopped"),
    "step_retry": _("processing will be retried"),
    "invoice_issued": _("invoice issued"),
    "payment_received": _("payment received"),
    "marketplace_confirmed": _("confirmed to the marketplace"),
    "email_sent": _("email sent"),
    "email_queued": _("email queued"),
    "email_skipped": _("email not sent"),
    "review_requested": _("review requested"),
    "review_request_skipped": _("no review request"),
    "ship_by_warning": _("ship-by date close"),
    "ship_by_missed": _("ship-by date missed"),
    "invoiced_by_marketplace": _("invoiced by the marketplace"),
    "cancelled_after_shipment": _("cancelled after shipment"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind.replace("_", " ")))

"""The Amazon channel connector: incremental polling by lastUpdatedAfter, shipment confirmation,
review requests, settlement reports, and invoices (``UPLOAD_VAT_INVOICE`` feed or Messaging)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone

from orderpilot.core.exceptions import TerminalError

from ..base import InvoiceUpload, OrderPage, SettlementReport, ShipmentConfirmation
from ..models import Channel
from ..validation import INVOICE_DELIVERY_MESSAGING, invoice_delivery
from .carriers import amazon_carrier
from .gateway import AmazonGateway
from .mapping import format_time, map_orders, parse_time

logger = logging.getLogger(__name__)

#: re-read this much before the watermark: Amazon's lists are eventually consistent
OVERLAP = dt.timedelta(minutes=10)
FIRST_POLL_LOOKBACK = dt.timedelta(days=2)
#: settlement reports are kept by Amazon for 90 days; on the first run fetch the last 30
SETTLEMENT_LOOKBACK = dt.timedelta(days=30)


class AmazonConnector:
    """:raises ConfigurationError: the channel's settings are incomplete or hold a wrong value (e.g.
        ``invoice_delivery``); the message names the key."""

    def __init__(self, channel: Channel, *, gateway: AmazonGateway | None = None):
        self.channel = channel
        self.invoice_delivery = invoice_delivery(channel.kind, channel.settings)
        self.gateway = gateway or AmazonGateway(channel)

    def fetch_changed_orders(
        self, *, since: dt.datetime | None, resume: dict[str, Any] | None
    ) -> Iterator[OrderPage]:
        if resume:
            after, next_token = resume["after"], resume["next_token"]
        else:
            start = (since - OVERLAP) if since else timezone.now() - FIRST_POLL_LOOKBACK
            after, next_token = format_time(start), None
        restarted = False
        while True:
            try:
                page = self.gateway.search_orders(last_updated_after=after, next_token=next_token)
            except TerminalError:
                if not next_token or restarted:
                    raise
                # Amazon no longer takes the token (it expires after 24 hours, and the call that used
                # it may have reached Amazon with its answer lost): search again from where this
                # search began; the pages already imported come again and change nothing
                logger.info("searchOrders refused the page token of %s; searching again", self.channel.code)
                next_token, restarted = None, True
                continue
            # an order that cannot be read comes back as rejected: the others of the page go on
            orders, rejected = map_orders(page.orders)
            if page.next_token:
                yield OrderPage(
                    orders=orders, rejected=rejected, resume={"after": after, "next_token": page.next_token}
                )
                next_token = page.next_token
                continue
            watermark = parse_time(page.last_updated_before) if page.last_updated_before else None
            # without lastUpdatedBefore, Amazon's default upper bound applies: two minutes ago
            yield OrderPage(
                orders=orders, rejected=rejected, watermark=watermark or timezone.now() - dt.timedelta(minutes=2)
            )
            return

    def confirm_shipment(self, confirmation: ShipmentConfirmation, *, is_retry: bool = False) -> dict[str, Any]:
        """v0 confirmShipment for one package (packageReferenceId as a string of digits).

        On a retry the order's packages are read first: if an earlier attempt reached Amazon
        before the worker died, the package is there and is not confirmed a second time.
        """
        if is_retry and self._already_confirmed(confirmation):
            return {"packageReferenceId": str(confirmation.package_reference), "already_confirmed": True}
        code, name = amazon_carrier(confirmation.carrier)
        detail: dict[str, Any] = {
            "packageReferenceId": str(confirmation.package_reference),
            "carrierCode": code,
            "trackingNumber": confirmation.tracking_number,
            "shipDate": format_time(confirmation.shipped_at),
            "orderItems": [{"orderItemId": item, "quantity": qty} for item, qty in confirmation.items],
        }
        if name:
            detail["carrierName"] = name
        if confirmation.shipping_method:
            detail["shippingMethod"] = confirmation.shipping_method
        marketplace = self._marketplace_of(confirmation.order_external_id)
        try:
            self.gateway.confirm_shipment(confirmation.order_external_id, detail, marketplace_id=marketplace)
        except TerminalError:
            # the gateway repeats a call whose answer was lost (a timeout, a cut connection); if the
            # first call reached Amazon, the repeat is refused as a duplicate, and the package is there
            if self._already_confirmed(confirmation):
                return {"packageReferenceId": detail["packageReferenceId"], "already_confirmed": True}
            raise
        return {"packageReferenceId": detail["packageReferenceId"], "carrierCode": code}

    def request_review(
        self, order_external_id: str, *, before_send: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Solicitations API: check the order's actions first, then create the request (once).

        ``before_send`` runs right before the request leaves, so the caller can note that one may
        have reached Amazon even if this process never learns the answer.
        """
        marketplace = self._marketplace_of(order_external_id)
        actions = self.gateway.solicitation_actions(order_external_id, marketplace_id=marketplace)
        if "productReviewAndSellerFeedback" not in actions:
            return {"sent": False, "reason": "Amazon offers no review request for this order now"}
        if before_send is not None:
            before_send()
        try:
            self.gateway.create_review_solicitation(order_external_id, marketplace_id=marketplace)
        except TerminalError:
            # the gateway repeats a call whose answer was lost, and Amazon refuses a second request;
            # it offered one a moment ago, so if it offers none now, the first call went through
            if "productReviewAndSellerFeedback" in self.gateway.solicitation_actions(
                order_external_id, marketplace_id=marketplace
            ):
                raise
            return {"sent": True, "repeat_refused": True}
        return {"sent": True}

    def _marketplace_of(self, order_external_id: str) -> str | None:
        """The marketplace the order was placed on. A channel may serve several (amazon.de and
        amazon.co.uk), and Amazon refuses a call about an order that names another one."""
        from orderpilot.orders.models import SalesOrder

        raw = (
            SalesOrder.objects.filter(channel=self.channel, external_id=order_external_id)
            .values_list("raw_payload", flat=True)
            .first()
        )
        return ((raw or {}).get("salesChannel") or {}).get("marketplaceId") or None

    def settlement_reports(self, *, since: dt.datetime | None) -> Iterator[SettlementReport]:
        """Amazon's settlement reports (they cannot be requested, only listed) created since ``since``."""
        start = (since - dt.timedelta(days=1)) if since else timezone.now() - SETTLEMENT_LOOKBACK
        for report in self.gateway.settlement_reports(created_since=format_time(start)):
            document_id = report["reportDocumentId"]
            yield SettlementReport(
                report_id=report["reportId"],
                write_to=lambda target, document_id=document_id: self.gateway.download_report(document_id, target),
            )

    def _already_confirmed(self, confirmation: ShipmentConfirmation) -> bool:
        order = self.gateway.get_order(confirmation.order_external_id)
        return any(
            str(package.get("packageReferenceId")) == str(confirmation.package_reference)
            and package.get("trackingNumber") == confirmation.tracking_number
            for package in order.get("packages") or []
        )

    def upload_invoice(
        self, upload: InvoiceUpload, *, before_send: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Hand the invoice PDF to Amazon as the channel's ``invoice_delivery`` says.

        ``"feed"`` (default): the ``UPLOAD_VAT_INVOICE`` feed (research/compliance.md §1.8); returns
        ``{"feedId", "processingStatus"}``, followed by :meth:`invoice_upload_status`.
        ``"messaging"``: a Messaging ``sendInvoice`` message to the buyer (see
        :meth:`_send_invoice_message`); returns ``{"via": "messaging", …}``, nothing to follow.
        ``before_send`` runs right before the message leaves (never for the feed).
        """
        if self.invoice_delivery == INVOICE_DELIVERY_MESSAGING:
            return self._send_invoice_message(upload, before_send=before_send)
        options = {
            "metadata:OrderId": upload.order_external_id,
            "metadata:InvoiceNumber": upload.number,
            "metadata:DocumentType": upload.document_type,
            "metadata:TotalAmount": upload.total_amount,
            "metadata:TotalVATAmount": upload.total_vat_amount,
        }
        feed_id = self.gateway.submit_feed(
            "UPLOAD_VAT_INVOICE", upload.pdf, content_type="application/pdf", options=options
        )
        return {"feedId": feed_id, "processingStatus": "IN_QUEUE"}

    def _send_invoice_message(
        self, upload: InvoiceUpload, *, before_send: Callable[[], None] | None
    ) -> dict[str, Any]:
        """Messaging: only if Amazon offers the invoice message for the order now, then the PDF
        through the Uploads API and ``sendInvoice`` (:meth:`AmazonGateway.send_invoice_message`).

        Sent at most once: Amazon offers no way to ask whether a message went out and is not known to
        refuse a second one, so a call whose answer is lost is not repeated (``OutcomeUnknown``, a
        TerminalError: a person checks the order's buyer messages in Seller Central).
        """
        order_id = upload.order_external_id
        marketplace = self._marketplace_of(order_id) or self.gateway.marketplace_ids[0]
        actions = self.gateway.messaging_actions(order_id, marketplace_id=marketplace)
        if not any(_is_invoice_action(action) for action in actions):
            raise TerminalError(
                f"Amazon offers no invoice message for order {order_id} now (getMessagingActionsForOrder); "
                f"invoice {upload.number} was not sent: upload it in Seller Central"
            )
        sent = self.gateway.send_invoice_message(
            order_id, upload.pdf, invoice_file_name(upload.number), marketplace, before_send=before_send
        )
        return {"via": "messaging", **sent, "marketplaceId": marketplace, "size": len(upload.pdf)}

    def invoice_upload_status(self, feed_id: str) -> str:
        """``IN_QUEUE``, ``IN_PROGRESS``, ``DONE``, ``FATAL`` or ``CANCELLED``."""
        return self.gateway.feed_status(feed_id).get("processingStatus", "")


def invoice_file_name(number: str) -> str:
    """The file name the buyer sees: the invoice number, with anything but letters, digits, ``.``,
    ``_`` and ``-`` replaced (a number pattern may contain ``/``)."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.") or "invoice") + ".pdf"


def _is_invoice_action(action: dict[str, Any]) -> bool:
    """The invoice message in ``getMessagingActionsForOrder``: Amazon names actions after the last
    segment of their path (``legalDisclosure``), so ``invoice``; the path itself is checked too."""
    path = str(action.get("href", "")).split("?", 1)[0]
    return action.get("name") in ("invoice", "sendInvoice") or path.endswith("/messages/invoice")

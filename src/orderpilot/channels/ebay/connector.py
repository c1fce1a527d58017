"""The eBay channel connector: incremental polling by ``lastmodifieddate``, one shipping fulfillment per
package, payouts for payment matching.

Configuration (``[[channels]]`` with ``kind = "ebay"``)::

    endpoint = "https://api.ebay.com"              # the simulator's URL in tests and the demo
    client_id_env = "EBAY_CLIENT_ID"                # the application's App ID
    client_secret_env = "EBAY_CLIENT_SECRET"        # its Cert ID
    refresh_token_env = "EBAY_REFRESH_TOKEN"        # the seller's consent (valid 18 months)
    signing_key_jwe_env = "EBAY_SIGNING_JWE"        # EU/UK sellers: Key Management API key (ED25519),
    signing_private_key_env = "EBAY_SIGNING_KEY"    #   signs every Finances API call
    token_endpoint = "https://api.ebay.com/identity/v1/oauth2/token"   # optional
    [channels.settings]
    finances_endpoint = "https://apiz.ebay.com"     # production: the Finances API's own host
    marketplace_id = "EBAY_DE"
    express_services = ["DE_UPSExpressSaver"]       # shipping service codes that count as express
    default_vat_rate = "19"
    review_url = "https://shop.example.com/bewertung?ebay-order={order}"   # link in the review email
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone

from orderpilot.core.exceptions import NotSupported

from ..base import ChannelOrder, OrderPage, RejectedOrder, SettlementReport, ShipmentConfirmation
from ..models import Channel
from .gateway import EbayGateway
from .mapping import format_time, fulfillment_body, order_from_ebay, parse_time
from .payouts import Payout, parse_payout_document, payout_document, payout_from_ebay

#: re-read this much before the watermark: eBay's order search is eventually consistent
OVERLAP = dt.timedelta(minutes=10)
FIRST_POLL_LOOKBACK = dt.timedelta(days=7)
#: getOrders' filter reaches back 90 days (error 30830); stay a day inside
MAX_LOOKBACK = dt.timedelta(days=89)
PAGE_SIZE = 100
#: payouts are re-read this far before the last check (INITIATED then, SUCCEEDED since)
PAYOUT_RECHECK = dt.timedelta(days=14)


class EbayConnector:
    def __init__(self, channel: Channel, *, gateway: EbayGateway | None = None):
        self.channel = channel
        self.gateway = gateway or EbayGateway(channel)
        settings = channel.settings or {}
        self.default_vat_rate = Decimal(str(settings.get("default_vat_rate", "19")))
        self.express_services = tuple(settings.get("express_services") or ())

    def fetch_changed_orders(
        self, *, since: dt.datetime | None, resume: dict[str, Any] | None
    ) -> Iterator[OrderPage]:
        """``getOrders`` with ``lastmodifieddate:[from..]``, 100 per page by offset.

        The watermark is this poll's start on our clock; the next poll reads from ten minutes before it,
        so a late-indexed change is still seen. A resumed poll keeps its ``from`` and watermark.
        """
        if resume:
            start, offset, watermark = resume["from"], int(resume["offset"]), parse_time(resume["watermark"])
        else:
            now = timezone.now()
            start_at = (since - OVERLAP) if since else now - FIRST_POLL_LOOKBACK
            start, offset, watermark = format_time(max(start_at, now - MAX_LOOKBACK)), 0, now
        while True:
            body = self.gateway.get_orders(modified_from=start, offset=offset, limit=PAGE_SIZE)
            orders, rejected = self._read(body.get("orders") or [])
            offset += PAGE_SIZE
            if body.get("next") and offset < int(body.get("total") or 0):
                resume = {"from": start, "offset": offset, "watermark": watermark.isoformat()}
                yield OrderPage(orders=orders, rejected=rejected, resume=resume)
                continue
            yield OrderPage(orders=orders, rejected=rejected, watermark=watermark)
            return

    def _read(self, raw_orders: list[dict[str, Any]]) -> tuple[tuple[ChannelOrder, ...], tuple[RejectedOrder, ...]]:
        """Map a page; an order that cannot be read is rejected (the poll records it), the others go on."""
        orders, rejected = [], []
        for raw in raw_orders:
            try:
                orders.append(order_from_ebay(raw, default_vat_rate=self.default_vat_rate,
                                              express_services=self.express_services))  # fmt: skip
            except (KeyError, ValueError, TypeError, ArithmeticError, AttributeError) as exc:
                external_id = str(raw.get("orderId") or "") if isinstance(raw, dict) else ""
                rejected.append(RejectedOrder(external_id=external_id, problem=f"{type(exc).__name__}: {exc}"))
        return tuple(orders), tuple(rejected)

    def confirm_shipment(self, confirmation: ShipmentConfirmation, *, is_retry: bool = False) -> dict[str, Any]:
        """One ``createShippingFulfillment`` per package. On a retry (an earlier attempt may have reached eBay
        and only its answer was lost) eBay's fulfillments are read first, and one with this tracking number
        is not created again."""
        body = fulfillment_body(confirmation)
        if is_retry:
            for existing in self.gateway.get_shipping_fulfillments(confirmation.order_external_id):
                if existing.get("shipmentTrackingNumber") == body["trackingNumber"]:
                    return {"fulfillmentId": existing.get("fulfillmentId", ""), "created": False}
        fulfillment_id = self.gateway.create_shipping_fulfillment(confirmation.order_external_id, body)
        return {"fulfillmentId": fulfillment_id, "created": True, "shippingCarrierCode": body["shippingCarrierCode"]}

    def request_review(
        self, order_external_id: str, *, before_send: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """eBay has no API to ask a buyer for feedback; OrderPilot emails eBay buyers a review request
        with the channel's ``review_url`` instead (notifications policy: eBay gets every email)."""
        raise NotSupported("eBay offers no review-request API; configure settings.review_url for the review email")

    def settlement_reports(self, *, since: dt.datetime | None) -> Iterator[SettlementReport]:
        """The succeeded payouts of the last weeks as documents for payment matching (the caller skips those
        it has). Reads two weeks before ``since``: a payout started before the last check may have succeeded
        only after it."""
        start = (since - PAYOUT_RECHECK) if since else timezone.now() - MAX_LOOKBACK
        for payout in self.fetch_payouts(since=max(start, timezone.now() - MAX_LOOKBACK)):
            if payout.status != "SUCCEEDED":
                continue
            document = payout_document(payout)
            yield SettlementReport(
                report_id=f"payout-{payout.payout_id}", write_to=lambda f, d=document: f.write(d),
                parser=parse_payout_document,
            )  # fmt: skip

    def fetch_payouts(self, *, since: dt.datetime) -> Iterator[Payout]:
        """Every payout eBay started since ``since`` (oldest first), each with all its transactions."""
        offset = 0
        while True:
            page = self.gateway.get_payouts(payout_from=format_time(since), offset=offset)
            if page is None:
                return
            for raw in page.get("payouts") or []:
                yield payout_from_ebay(raw, list(self._transactions(str(raw["payoutId"]))))
            offset += int(page.get("limit") or 0) or len(page.get("payouts") or [])
            if not page.get("next") or offset >= int(page.get("total") or 0):
                return

    def _transactions(self, payout_id: str) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self.gateway.get_transactions(payout_id=payout_id, offset=offset)
            if page is None:
                return
            rows = page.get("transactions") or []
            yield from rows
            offset += len(rows)
            if not rows or not page.get("next") or offset >= int(page.get("total") or 0):
                return

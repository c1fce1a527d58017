"""The Gambio channel connector: incremental import through the API's change history, status and tracking
code written back once per package.

Configuration (``[[channels]]`` with ``kind = "gambio"``)::

    endpoint = "https://shop.example.com"     # the shop; /api.php/v2 is added
    username_env = "GAMBIO_API_USER"           # an administrator login (HTTP Basic)
    password_env = "GAMBIO_API_PASSWORD"
    [channels.settings]
    timezone = "Europe/Berlin"                # the shop's clock (its timestamps are local)
    awaiting_payment_status_ids = [1]         # prepayment orders in these statuses wait for the money
    release_unpaid_prepayment = false         # true: ship prepayment orders without waiting
    cancelled_status_ids = [99]
    shipped_status_id = 3                     # the status set when a package left
    notify_customer = false                   # let Gambio mail the customer on that status change
    parcel_service_ids = { DHL = 1 }          # carrier → the shop's parcel service (else by name, else default)
    language_id = 2                           # tracking-code language (Gambio: 2 = German)
    express_shipping_modules = ["dhlexpress_dhlexpress"]
    requests_per_second = 5
    review_url = "https://shop.example.com/product_reviews_write.php?order={order}"

Watermark: the shop's ``last_modified`` through ``GET /orders?modified=…`` (API v2 change history), not the
highest imported id — a highest-id watermark never sees a later change of an order it already has, and the
release of a prepayment order depends on exactly such a change (the merchant books the payment). The poll
starts five minutes before the watermark (clock skew between us and the shop); the watermark is our clock
at the poll's start, written in the shop's time zone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from orderpilot.core.exceptions import ConfigurationError, NotSupported, TerminalError

from ..base import ChannelOrder, OrderPage, RejectedOrder, ShipmentConfirmation
from ..models import Channel
from .gateway import GambioGateway, RecordNotFound
from .mapping import ShopRules, format_shop_time, order_from_gambio

logger = logging.getLogger(__name__)

OVERLAP = dt.timedelta(minutes=5)
FIRST_POLL_LOOKBACK = dt.timedelta(days=14)
PAGE_SIZE = 50
STATUS_COMMENT = "Versendet mit {carrier}, Sendungsnummer {tracking_number} (Paket {package}, OrderPilot)"


def _ids(value: Any, default: set[int]) -> frozenset[int]:
    if value is None:
        return frozenset(default)
    if not isinstance(value, list):
        raise ValueError("status ids must be a list of numbers, e.g. [1]")
    return frozenset(int(v) for v in value)


class GambioConnector:
    def __init__(self, channel: Channel, *, gateway: GambioGateway | None = None):
        self.channel = channel
        settings = channel.settings or {}
        try:
            self.rules = ShopRules(
                zone=ZoneInfo(settings.get("timezone") or "Europe/Berlin"),
                awaiting_payment_status_ids=_ids(settings.get("awaiting_payment_status_ids"), {1}),
                cancelled_status_ids=_ids(settings.get("cancelled_status_ids"), {99}),
                release_unpaid_prepayment=bool(settings.get("release_unpaid_prepayment", False)),
                express_shipping_modules=frozenset(settings.get("express_shipping_modules") or ()),
            )
            self.shipped_status_id = int(settings.get("shipped_status_id") or 3)
            configured = settings.get("parcel_service_ids") or {}
            self.parcel_service_ids = {str(k).lower(): str(v) for k, v in configured.items()}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ConfigurationError(f"channel {channel.code}: invalid Gambio settings: {exc}") from exc
        self.notify_customer = bool(settings.get("notify_customer", False))
        self.language_id = str(settings.get("language_id") or 2)
        self.gateway = gateway or GambioGateway(channel)

    def fetch_changed_orders(
        self, *, since: dt.datetime | None, resume: dict[str, Any] | None
    ) -> Iterator[OrderPage]:
        """Orders the shop changed since the watermark: the change history's list items, page by page, each
        with its full order (``GET /orders/{id}``)."""
        if resume:
            modified, page = resume["modified"], int(resume["page"])
            watermark = dt.datetime.fromisoformat(resume["watermark"])
        else:
            watermark = timezone.now()
            start = (since - OVERLAP) if since else watermark - FIRST_POLL_LOOKBACK
            modified, page = format_shop_time(start, self.rules.zone), 1
        while True:
            rows = self.gateway.modified_orders(modified=modified, page=page, per_page=PAGE_SIZE)
            read = [self._full_order(row) for row in rows]
            orders = tuple(r for r in read if isinstance(r, ChannelOrder))
            rejected = tuple(r for r in read if isinstance(r, RejectedOrder))
            if len(rows) >= PAGE_SIZE:
                page += 1
                resume = {"modified": modified, "page": page, "watermark": watermark.isoformat()}
                yield OrderPage(orders=orders, rejected=rejected, resume=resume)
                continue
            yield OrderPage(orders=orders, rejected=rejected, watermark=watermark)
            return

    def _full_order(self, row: dict[str, Any]) -> ChannelOrder | RejectedOrder | None:
        """The full order of a list item; ``None`` when the shop deleted it since, rejected (the poll records
        it) when it cannot be read."""
        try:
            return order_from_gambio(self.gateway.order(int(row["id"])), row, self.rules)
        except RecordNotFound:
            # deleted in the shop after it was listed: nothing to import (an imported one stays as it is)
            logger.warning("Gambio order %s of %s is gone; skipped", row["id"], self.channel.code)
            return None
        except (KeyError, ValueError, TypeError, ArithmeticError, AttributeError) as exc:
            return RejectedOrder(external_id=str(row.get("id", "")), problem=f"{type(exc).__name__}: {exc}")

    def confirm_shipment(self, confirmation: ShipmentConfirmation, *, is_retry: bool = False) -> dict[str, Any]:
        """The tracking code (``POST /orders/{id}/tracking_codes``), then the shipped status with a history entry
        (``PATCH /orders/{id}/status``). On a retry (an earlier attempt may have written one or both) the shop's
        tracking codes and history are read first and what it has is not written again."""
        order_id = int(confirmation.order_external_id)
        tracking = confirmation.tracking_number
        code = None
        if is_retry:
            code = next((c for c in self.gateway.tracking_codes(order_id) if c.get("trackingCode") == tracking), None)
        code_created = code is None
        if code is None:
            code = self.gateway.create_tracking_code(
                order_id,
                {"trackingCode": tracking, "parcelServiceId": self._parcel_service_id(confirmation.carrier),
                 "languageId": self.language_id},
            )  # fmt: skip
        entry = None
        if is_retry:
            entry = next(
                (h for h in self.gateway.history(order_id)
                 if h.get("statusId") == self.shipped_status_id and tracking in str(h.get("comment") or "")),
                None,
            )  # fmt: skip
        status_created = entry is None
        if entry is None:
            comment = STATUS_COMMENT.format(carrier=confirmation.carrier or "-", tracking_number=tracking,
                                            package=confirmation.package_reference)  # fmt: skip
            status = {"statusId": self.shipped_status_id, "comment": comment, "customerNotified": self.notify_customer}
            entry = self.gateway.update_status(order_id, status)
        return {"trackingCodeId": str(code.get("id", "")), "historyId": entry.get("id"),
                "created": {"trackingCode": code_created, "status": status_created}}  # fmt: skip

    def request_review(
        self, order_external_id: str, *, before_send: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Gambio has no review-request API; OrderPilot emails shop customers the channel's ``review_url``."""
        raise NotSupported("Gambio offers no review-request API; configure settings.review_url for the review email")

    def _parcel_service_id(self, carrier: str) -> str:
        """The shop's parcel service for ``carrier``: configured, else by name, else the shop's default."""
        name = (carrier or "").strip().lower()
        if name in self.parcel_service_ids:
            return self.parcel_service_ids[name]
        services = self.gateway.parcel_services()
        for service in services:
            if str(service.get("name", "")).strip().lower() == name:
                return str(service["id"])
        default = next((s for s in services if s.get("isDefault")), None)
        if default is None:
            raise TerminalError(
                f"the shop has no parcel service {carrier!r} and no default; set settings.parcel_service_ids"
            )
        return str(default["id"])

"""Solicitations API v1: getSolicitationActionsForOrder and createProductReviewAndSellerFeedbackSolicitation.

The window (Solicitations use-case guide): from 5 days after the order's earliest delivery date to 30 days
after its latest delivery date. The simulator takes ``EarliestDeliveryDate``/``LatestDeliveryDate`` of the
order; when an order has none, the first/last confirmed ship date plus the configured transit time.
Only orders with something shipped are eligible, and only once per order. Refusals are 403
``Unauthorized`` with Amazon's messages (amzn/selling-partner-api-models#19,
amzn/selling-partner-api-docs#121).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .clock import format_timestamp, parse_timestamp
from .errors import SpApiError, invalid_input, not_found
from .records import OrderRecord
from .routing import Call, Reply

ACTION = "productReviewAndSellerFeedback"
NOT_AVAILABLE = "The requested solicitation is not available for this amazonOrderId."
OUTSIDE_WINDOW = (
    "You can\u2019t use this feature to request a review outside the 5-30 day range after the order "
    "delivery date."
)
_SHIPPED = frozenset({"Shipped", "PartiallyShipped", "InvoiceUnconfirmed"})


def review_window(record: OrderRecord, transit: dt.timedelta) -> tuple[dt.datetime, dt.datetime] | None:
    """(first allowed moment, last allowed moment), or ``None`` if no delivery date can be known."""
    order = record.order
    ship_dates = sorted(parse_timestamp(p.ship_date) for p in record.packages)
    earliest = parse_timestamp(order["EarliestDeliveryDate"]) if order.get("EarliestDeliveryDate") else None
    latest = parse_timestamp(order["LatestDeliveryDate"]) if order.get("LatestDeliveryDate") else None
    if earliest is None and ship_dates:
        earliest = ship_dates[0] + transit
    if latest is None and ship_dates:
        latest = ship_dates[-1] + transit
    if earliest is None:
        return None
    return earliest + dt.timedelta(days=5), (latest or earliest) + dt.timedelta(days=30)


def _marketplace(call: Call, record: OrderRecord) -> str:
    values = [v for raw in call.request.args.getlist("marketplaceIds") for v in raw.split(",") if v]
    if len(values) != 1:
        raise invalid_input("marketplaceIds is required and takes exactly one marketplace id.")
    if values[0] != record.marketplace_id:
        raise invalid_input(
            "Invalid marketplaceIds", f"Order {record.order_id} belongs to {record.marketplace_id}."
        )
    return values[0]


def _find(call: Call) -> OrderRecord:
    record = call.sim.state.orders.get(call.args["amazonOrderId"])
    if record is None:
        raise not_found(f"The order {call.args['amazonOrderId']} was not found.")
    return record


def _refusal(call: Call, record: OrderRecord) -> str | None:
    """Why no solicitation may be sent now (Amazon's message), or ``None`` when one may."""
    already = any(s["amazonOrderId"] == record.order_id for s in call.sim.state.solicitations)
    if already or record.status not in _SHIPPED:
        return NOT_AVAILABLE
    window = review_window(record, dt.timedelta(days=call.sim.config.transit_days))
    if window is None or not window[0] <= call.now <= window[1]:
        return OUTSIDE_WINDOW
    return None


def get_solicitation_actions(call: Call) -> Reply:
    record = _find(call)
    marketplace_id = _marketplace(call, record)
    base = f"/solicitations/v1/orders/{record.order_id}"
    actions: list[dict[str, Any]] = []
    if _refusal(call, record) is None:
        actions.append(
            {"href": f"{base}/solicitations/{ACTION}?marketplaceIds={marketplace_id}", "name": ACTION}
        )
    return Reply(
        200, {"_links": {"actions": actions, "self": {"href": f"{base}?marketplaceIds={marketplace_id}"}}}
    )


def create_review_solicitation(call: Call) -> Reply:
    record = _find(call)
    marketplace_id = _marketplace(call, record)
    reason = _refusal(call, record)
    if reason:
        raise SpApiError(403, "Unauthorized", reason)
    call.sim.state.solicitations.append(
        {
            "amazonOrderId": record.order_id,
            "marketplaceId": marketplace_id,
            "type": ACTION,
            "receivedAt": format_timestamp(call.now),
        }
    )
    return Reply(201, {})

"""``createShippingFulfillment`` and ``getShippingFulfillments`` as eBay answers them.

Request ``ShippingFulfillmentDetails``: ``{lineItems: [{lineItemId, quantity}], shippedDate,
shippingCarrierCode, trackingNumber}``; success is ``201 Created`` with an empty JSON object and
``Location: {ENV}/sell/fulfillment/v1/order/{ORDERID}/shipping_fulfillment/{FULFILLMENTID}`` — the id is
the tracking number when one is given (``sell_fulfillment_v1_oas3.json``, example
``9405509699937003457459``). Refusals are 400 with 32100 (order), 32200 (line item), 32300 (tracking
number or carrier), 32500 (shipped date), 32600 (other input). Carrier codes are the Trading API's
``ShippingCarrierCodeType`` values (the OpenAPI file points there); the simulator knows the common
European and US ones.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import EbayError
from .orders import format_time, parse_time

CARRIER_CODES = frozenset(
    {
        "DHL", "DHLGlobalMail", "DeutschePost", "DPD", "GLS", "Hermes", "UPS", "FedEx", "USPS", "TNT",
        "RoyalMail", "Parcelforce", "Yodel", "Chronopost", "ColiPoste", "PostNL", "BPost", "AustriaPost",
        "SwissPost", "PostNord", "Other",
    }
)  # fmt: skip
_TRACKING = re.compile(r"^[A-Za-z0-9]{4,40}$")


def fulfillment_id(order: dict[str, Any], body: dict[str, Any]) -> str:
    return body.get("trackingNumber") or f"{order['orderId'].replace('-', '')}{len(order['fulfillmentHrefs']) + 1}"


def create(order: dict[str, Any], body: Any, *, now: dt.datetime) -> dict[str, Any]:
    """Validate ``body`` against ``order``; mark the line items fulfilled; return the stored fulfillment."""
    if not isinstance(body, dict):
        raise EbayError(400, 32600, "Invalid input data")
    if (order.get("cancelStatus") or {}).get("cancelState") == "CANCELED":
        raise EbayError(400, 32600, "Invalid input data", long_message="The order was cancelled.")
    references = body.get("lineItems")
    if not isinstance(references, list) or not references:
        raise EbayError(400, 32200, "Invalid line item id")
    known = {item["lineItemId"]: item for item in order["lineItems"]}
    for reference in references:
        line_id = (reference or {}).get("lineItemId") if isinstance(reference, dict) else None
        if line_id not in known:
            raise EbayError(400, 32200, "Invalid line item id", parameters={"lineItemId": str(line_id)})
        quantity = reference.get("quantity", known[line_id]["quantity"])
        whole = isinstance(quantity, int) and not isinstance(quantity, bool)
        if not whole or not 1 <= quantity <= known[line_id]["quantity"]:
            raise EbayError(400, 32600, "Invalid input data", parameters={"quantity": str(quantity)})
    carrier, tracking = body.get("shippingCarrierCode"), body.get("trackingNumber")
    if tracking is not None or carrier is not None:
        if carrier not in CARRIER_CODES or not isinstance(tracking, str) or not _TRACKING.match(tracking):
            given = {"shippingCarrierCode": str(carrier), "trackingNumber": str(tracking)}
            raise EbayError(400, 32300, "Invalid shipment tracking number or carrier", parameters=given)
    shipped = body.get("shippedDate")
    try:
        shipped_at = parse_time(shipped) if shipped else now
    except (TypeError, ValueError):
        raise EbayError(400, 32500, "Invalid shipped date") from None
    if shipped_at > now + dt.timedelta(minutes=5) or shipped_at < parse_time(order["creationDate"]):
        raise EbayError(400, 32500, "Invalid shipped date")
    record = {
        "fulfillmentId": fulfillment_id(order, body),
        "lineItems": [{"lineItemId": r["lineItemId"]} for r in references],
        "shippedDate": format_time(shipped_at),
    }
    if tracking:
        record.update(shipmentTrackingNumber=tracking, shippingCarrierCode=carrier)
    for reference in references:
        known[reference["lineItemId"]]["lineItemFulfillmentStatus"] = "FULFILLED"
    states = {item["lineItemFulfillmentStatus"] for item in order["lineItems"]}
    order["orderFulfillmentStatus"] = "FULFILLED" if states == {"FULFILLED"} else "IN_PROGRESS"
    order["lastModifiedDate"] = format_time(now)
    return record

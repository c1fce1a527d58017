"""Shipment confirmation with Amazon's validations, shared by ``confirmShipment`` and fulfillment feeds.

Checks, in order (messages quoted from issue threads where Amazon's wording is known):

1. ``marketplaceId`` and ``packageDetail`` are required; ``marketplaceId`` must be the order's.
2. ``packageReferenceId`` must be a JSON *string* of digits, positive: a number is refused with "invalid
   type [packageDetail.packageReferenceId]" (amzn/selling-partner-api-models#5094), anything else with
   "PackageReferenceId: is invalid, must be a positive numeric value." (jlevers/selling-partner-api#489).
3. ``carrierCode`` must be one of Amazon's codes (:mod:`.carriers`), or ``Other`` with ``carrierName``.
4. ``trackingNumber`` is required; ``shipDate`` must be ISO-8601 (else the sandbox's ``Invalid Input``).
5. ``orderItems``: each ``orderItemId`` must belong to the order ("OrderItemId is invalid"), each quantity
   must be a positive integer not above what is still unshipped.
6. The order must be ``Unshipped`` or ``PartiallyShipped``; a new package on a shipped order is refused
   like Amazon does (#5037).

Same ``packageReferenceId`` again (decision): Amazon documents that calling again with the same
``packageReferenceId`` *edits* the package. The simulator therefore treats a repeat with different
details (tracking number, carrier, date, items) as an edit: 204, the package is replaced and quantities
recounted. A repeat with *identical* details is refused with 400 (duplicate confirmation), so a client
that re-sends after a timeout learns that its first call went through instead of silently succeeding.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .carriers import OTHER, is_known_carrier
from .clock import format_timestamp, parse_timestamp
from .errors import SpApiError, invalid_input
from .intake import recount
from .records import SHIPPABLE_STATUSES, OrderRecord, PackageRecord

_DIGITS = re.compile(r"^\d+$")
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def _invalid_type(field: str) -> SpApiError:
    return invalid_input(
        f"The input you have submitted is not valid. Please check the fields with invalid type [{field}]."
    )


def _missing(field: str) -> SpApiError:
    return invalid_input(f"Missing required field [{field}].")


@dataclass(frozen=True)
class PlannedPackage:
    """A validated confirmation, ready to apply."""

    reference_id: str
    detail: dict[str, Any]
    quantities: dict[str, int]  # orderItemId -> quantity in this package
    replaces: PackageRecord | None


def _text(detail: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = detail.get(name)
    if value is None:
        if required:
            raise _missing(f"packageDetail.{name}")
        return None
    if not isinstance(value, str):
        raise _invalid_type(f"packageDetail.{name}")
    if required and not value.strip():
        raise _missing(f"packageDetail.{name}")
    return value


def _reference_id(detail: dict[str, Any]) -> str:
    value = detail.get("packageReferenceId")
    if value is not None and not isinstance(value, str):
        raise _invalid_type("packageDetail.packageReferenceId")
    if value is None or not _DIGITS.match(value) or int(value) == 0:
        raise invalid_input("PackageReferenceId: is invalid, must be a positive numeric value.")
    return value


def _quantities(record: OrderRecord, detail: dict[str, Any]) -> dict[str, int]:
    entries = detail.get("orderItems")
    if entries is None:
        raise _missing("packageDetail.orderItems")
    if not isinstance(entries, list) or not entries:
        raise _invalid_type("packageDetail.orderItems")
    quantities: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _invalid_type(f"packageDetail.orderItems[{index}]")
        item_id, quantity = entry.get("orderItemId"), entry.get("quantity")
        if not isinstance(item_id, str):
            raise _invalid_type(f"packageDetail.orderItems[{index}].orderItemId")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise _invalid_type(f"packageDetail.orderItems[{index}].quantity")
        if quantity < 1:
            raise invalid_input(f"Quantity must be a positive integer for orderItemId {item_id}.")
        if record.item(item_id) is None:
            raise invalid_input(
                "OrderItemId is invalid", f"{item_id} is not an item of order {record.order_id}."
            )
        quantities[item_id] = quantities.get(item_id, 0) + quantity
    return quantities


def plan_package(record: OrderRecord, body: dict[str, Any]) -> PlannedPackage:
    """Validate a ``ConfirmShipmentRequest`` against the order; raises :class:`SpApiError` (400)."""
    marketplace_id = body.get("marketplaceId")
    if marketplace_id is None:
        raise _missing("marketplaceId")
    if not isinstance(marketplace_id, str):
        raise _invalid_type("marketplaceId")
    detail = body.get("packageDetail")
    if detail is None:
        raise _missing("packageDetail")
    if not isinstance(detail, dict):
        raise _invalid_type("packageDetail")
    if marketplace_id != record.marketplace_id:
        raise invalid_input(
            "Invalid marketplaceId", f"Order {record.order_id} belongs to {record.marketplace_id}."
        )
    reference_id = _reference_id(detail)
    carrier_code = _text(detail, "carrierCode", required=True)
    carrier_name = _text(detail, "carrierName", required=False)
    if not is_known_carrier(carrier_code or ""):
        raise invalid_input(
            f"Invalid carrierCode [{carrier_code}].",
            "Use a carrier code from Amazon's list exactly, or carrierCode 'Other' with carrierName.",
        )
    if carrier_code == OTHER and not (carrier_name or "").strip():
        raise _missing("packageDetail.carrierName")
    _text(detail, "shippingMethod", required=False)
    _text(detail, "trackingNumber", required=True)
    ship_date = _text(detail, "shipDate", required=True) or ""
    if not _ISO_8601.match(ship_date):
        # The model's own sandbox answer to shipDate "02/21/2022", verbatim (no details).
        raise SpApiError(400, "Invalid Input", "Invalid Input", details=None)
    quantities = _quantities(record, detail)
    previous = record.package(reference_id)
    if previous is not None and previous.request == detail:
        raise invalid_input(
            "Duplicate package confirmation.",
            f"Package {reference_id} of order {record.order_id} was already confirmed with these details.",
        )
    if previous is None and record.status not in SHIPPABLE_STATUSES:
        if record.status in ("Shipped", "InvoiceUnconfirmed"):
            raise invalid_input(
                "Failed to create package due to not finding a matching package or order already fulfilled."
            )
        raise invalid_input(
            f"The order is {record.status}; only Unshipped or PartiallyShipped orders can be confirmed."
        )
    released = {i["orderItemId"]: i["quantity"] for i in previous.items} if previous else {}
    for item_id, quantity in quantities.items():
        item = record.item(item_id) or {}
        open_quantity = (
            int(item["QuantityOrdered"]) - int(item.get("QuantityShipped", 0)) + released.get(item_id, 0)
        )
        if quantity > open_quantity:
            raise invalid_input(
                f"Quantity {quantity} for orderItemId {item_id} exceeds "
                f"the unshipped quantity {open_quantity}."
            )
    return PlannedPackage(reference_id, detail, quantities, previous)


def apply_package(
    record: OrderRecord, plan: PlannedPackage, *, now: dt.datetime, transit: dt.timedelta
) -> None:
    """Record the package, move item quantities and the order status, and touch ``LastUpdateDate``."""
    detail = plan.detail
    if plan.replaces is not None:
        for entry in plan.replaces.items:
            item = record.item(entry["orderItemId"]) or {}
            item["QuantityShipped"] = int(item.get("QuantityShipped", 0)) - entry["quantity"]
        record.packages.remove(plan.replaces)
    package_items = []
    for entry in detail["orderItems"]:
        package_item = {"orderItemId": entry["orderItemId"], "quantity": entry["quantity"]}
        if entry.get("transparencyCodes"):
            package_item["transparencyCodes"] = list(entry["transparencyCodes"])
        package_items.append(package_item)
    for item_id, quantity in plan.quantities.items():
        item = record.item(item_id) or {}
        item["QuantityShipped"] = int(item.get("QuantityShipped", 0)) + quantity
    record.packages.append(
        PackageRecord(
            package_reference_id=plan.reference_id,
            carrier_code=detail["carrierCode"],
            carrier_name=detail.get("carrierName"),
            shipping_method=detail.get("shippingMethod"),
            tracking_number=detail["trackingNumber"],
            ship_date=detail["shipDate"],
            created_time=format_timestamp(now),
            items=package_items,
            delivered_after=parse_timestamp(detail["shipDate"]) + transit,
            request=dict(detail),
        )
    )
    shipped = sum(int(i.get("QuantityShipped", 0)) for i in record.items)
    ordered = sum(int(i["QuantityOrdered"]) for i in record.items)
    record.order["OrderStatus"] = (
        "Shipped" if shipped >= ordered else ("PartiallyShipped" if shipped else "Unshipped")
    )
    recount(record)
    record.order["LastUpdateDate"] = format_timestamp(now)

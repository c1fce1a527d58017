"""Gambio orders as the GX REST API v2 stores and shows them.

Shapes from Gambio's own contract (gambio/docs ``docs/Tutorials/API/v2/openapi.json``: ``GXOrder``,
``GXOrderListItem``, ``GXOrderStatusHistory``, ``GXTrackingCode``, ``GXParcelService``) and the shop's
serializers (``OrderJsonSerializer``, ``OrderListItemJsonSerializer``): the full order has ``id, statusId,
purchaseDate ("Y-m-d H:i:s", shop time), currencyCode, languageCode, comment, totalWeight, paymentType
{title, module}, shippingType, customer {id, number, email, phone, vatId, status}, addresses {customer,
billing, delivery} (street and houseNumber apart, ``countryId``), items [{id, model, name, quantity,
price, finalPrice, tax, isTaxAllowed, …}], totals [{id, title, value, valueText, class, sortOrder}],
statusHistory, addonValues``; a list item carries ``statusName``, ``totalSum`` and addresses with
``countryIsoCode``. ``GET /orders?modified=Y-m-d H:i:s`` answers the change history ``{"deleted": [],
"modified": [list items…]}`` of orders whose ``last_modified`` is at or after that time, paged by
``page``/``per_page`` (default 50) — as ``_changeHistory`` in the shop's API controllers does.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

SHOP_TIME = "%Y-%m-%d %H:%M:%S"
SHOP_TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")

#: Gambio's (osCommerce's) default ``countries`` table: id → (name, ISO 3166-1 alpha-2)
COUNTRIES: dict[int, tuple[str, str]] = {
    14: ("Austria", "AT"), 21: ("Belgium", "BE"), 56: ("Czech Republic", "CZ"), 57: ("Denmark", "DK"),
    73: ("France", "FR"), 81: ("Germany", "DE"), 105: ("Italy", "IT"), 124: ("Luxembourg", "LU"),
    150: ("Netherlands", "NL"), 170: ("Poland", "PL"), 195: ("Spain", "ES"), 204: ("Switzerland", "CH"),
    222: ("United Kingdom", "GB"), 223: ("United States", "US"),
}  # fmt: skip

#: the shop's order statuses (Gambio's defaults): id → names
ORDER_STATUSES: dict[int, dict[str, str]] = {
    1: {"en": "Pending", "de": "Offen"},
    2: {"en": "Processing", "de": "In Bearbeitung"},
    3: {"en": "Shipped", "de": "Versendet"},
    99: {"en": "Canceled", "de": "Storniert"},
}
STATUS_COLORS = {1: "f6ae49", 2: "45a0e2", 3: "2ab14a", 99: "e2454a"}

PARCEL_SERVICES: list[dict[str, Any]] = [
    {"id": 1, "name": "DHL", "isDefault": True,
     "url": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={TRACKING_NUMBER}"},
    {"id": 2, "name": "DPD", "isDefault": False, "url": "https://tracking.dpd.de/status/de_DE/parcel/{TRACKING_NUMBER}"},
    {"id": 3, "name": "Hermes", "isDefault": False,
     "url": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{TRACKING_NUMBER}"},
    {"id": 4, "name": "GLS", "isDefault": False, "url": "https://gls-group.com/DE/de/paketverfolgung?match={TRACKING_NUMBER}"},
    {"id": 5, "name": "UPS", "isDefault": False, "url": "https://www.ups.com/track?tracknum={TRACKING_NUMBER}"},
    {"id": 6, "name": "Deutsche Post", "isDefault": False,
     "url": "https://www.deutschepost.de/sendung/simpleQueryResult.html?form.sendungsnummer={TRACKING_NUMBER}"},
]  # fmt: skip


class IntakeError(ValueError):
    """The posted order is not a usable GXOrder; the message names the field."""


def shop_time(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(SHOP_TIME)


def parse_shop_time(text: str, zone: ZoneInfo) -> dt.datetime:
    if not SHOP_TIME_PATTERN.match(str(text)):
        raise ValueError(text)
    return dt.datetime.strptime(text, SHOP_TIME).replace(tzinfo=zone)


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise IntakeError(f"{where} must be a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise IntakeError(f"{where} must be a number, got {value!r}") from None


def _money_text(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01'))} {currency}".replace(".", ",")


def _address(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise IntakeError(f"{where} must be an address object")
    address = copy.deepcopy(raw)
    for name in ("firstname", "lastname", "street", "postcode", "city"):
        if not isinstance(address.get(name), str):
            raise IntakeError(f"{where}.{name} is required")
    if address.get("countryId") not in COUNTRIES:
        raise IntakeError(f"{where}.countryId must be one of the shop's countries {sorted(COUNTRIES)}")
    for name in ("gender", "company", "houseNumber", "additionalAddressInfo", "suburb"):
        address.setdefault(name, "")
    address.setdefault("zoneId", 0)
    address.setdefault("b2bStatus", False)
    return address


def _items(raw: Any, next_item_id) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise IntakeError("items must be a non-empty list of order items")
    items = []
    for index, entry in enumerate(raw):
        where = f"items[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise IntakeError(f"{where}.name is required")
        item = copy.deepcopy(entry)
        quantity = _number(item.get("quantity"), f"{where}.quantity")
        price = _number(item.get("price"), f"{where}.price")
        if quantity <= 0:
            raise IntakeError(f"{where}.quantity must be positive")
        item.setdefault("id", next_item_id())
        item.setdefault("model", "")
        item.setdefault("finalPrice", float(price * quantity))
        item.setdefault("tax", 19)
        item.setdefault("isTaxAllowed", True)
        item.setdefault("discount", 0)
        for name in ("shippingTimeInformation", "checkoutInformation", "quantityUnitName"):
            item.setdefault(name, "")
        for name in ("attributes", "downloadInformation", "gxCustomizerData"):
            item.setdefault(name, [])
        item.setdefault("customizationData", {})
        item.setdefault("addonValues", {})
        items.append(item)
    return items


def _totals(order: dict[str, Any]) -> list[dict[str, Any]]:
    currency = order["currencyCode"]
    subtotal = sum((Decimal(str(i["finalPrice"])) for i in order["items"]), Decimal("0"))
    rows = [("Zwischensumme:", subtotal, "ot_subtotal", 10), ("Summe:", subtotal, "ot_total", 99)]
    return [
        {"id": n, "title": title, "value": float(value), "valueText": _money_text(value, currency), "class": cls,
         "sortOrder": sort}
        for n, (title, value, cls, sort) in enumerate(rows, start=1)
    ]  # fmt: skip


def build_order(body: Any, *, now: dt.datetime, zone: ZoneInfo, next_id, next_item_id, next_customer_id) -> dict:
    """A stored GXOrder from a ``POST /_sim/orders`` body; raises :class:`IntakeError` naming the field."""
    if not isinstance(body, dict):
        raise IntakeError("the body must be a JSON object: a GXOrder as GET /api.php/v2/orders/{id} returns it")
    order = copy.deepcopy(body)
    order.setdefault("id", next_id())
    if not isinstance(order["id"], int) or isinstance(order["id"], bool) or order["id"] < 1:
        raise IntakeError("id must be a positive integer")
    order.setdefault("statusId", 1)
    if order["statusId"] not in ORDER_STATUSES:
        raise IntakeError(f"statusId must be one of the shop's order statuses {sorted(ORDER_STATUSES)}")
    order.setdefault("purchaseDate", shop_time(now, zone))
    try:
        parse_shop_time(order["purchaseDate"], zone)
    except ValueError:
        raise IntakeError("purchaseDate must have the format Y-m-d H:i:s (shop time)") from None
    order.setdefault("currencyCode", "EUR")
    order.setdefault("languageCode", "DE")
    order.setdefault("comment", "")
    order.setdefault("totalWeight", 0)
    payment = order.get("paymentType")
    if not isinstance(payment, dict) or not isinstance(payment.get("module"), str) or not payment["module"]:
        raise IntakeError("paymentType {title, module} is required (module e.g. moneyorder, paypal3, cod, invoice)")
    payment.setdefault("title", payment["module"])
    order.setdefault("shippingType", {"title": "Pauschale Versandkosten", "module": "flat_flat"})
    customer = order.get("customer")
    if not isinstance(customer, dict) or not isinstance(customer.get("email"), str):
        raise IntakeError("customer.email is required")
    customer.setdefault("id", next_customer_id())
    for name in ("number", "phone", "vatId"):
        customer.setdefault(name, "")
    customer.setdefault("status", {"id": 1, "name": "Gast", "image": "", "discount": 0, "isGuest": True})
    addresses = order.get("addresses")
    if not isinstance(addresses, dict) or "delivery" not in addresses:
        raise IntakeError("addresses.delivery is required")
    delivery = _address(addresses["delivery"], "addresses.delivery")
    billing = _address(addresses.get("billing") or delivery, "addresses.billing")
    order["addresses"] = {"customer": _address(addresses.get("customer") or billing, "addresses.customer"),
                          "billing": billing, "delivery": delivery}  # fmt: skip
    order["items"] = _items(order.get("items"), next_item_id)
    if "totals" not in order:
        order["totals"] = _totals(order)
    if not any(t.get("class") == "ot_total" for t in order["totals"]):
        raise IntakeError("totals must contain the ot_total row")
    order.setdefault("statusHistory", [{"id": 1, "statusId": order["statusId"], "dateAdded": order["purchaseDate"],
                                        "comment": "", "customerNotified": True}])  # fmt: skip
    order.setdefault("addonValues", {})
    return order


def _list_address(address: dict[str, Any]) -> dict[str, Any]:
    name, iso = COUNTRIES[address["countryId"]]
    return {"gender": address["gender"], "firstName": address["firstname"], "lastName": address["lastname"],
            "company": address["company"], "street": address["street"], "houseNumber": address["houseNumber"],
            "additionalAddressInfo": address["additionalAddressInfo"], "postcode": address["postcode"],
            "city": address["city"], "state": "", "country": name, "countryIsoCode": iso}  # fmt: skip


def list_item(order: dict[str, Any], tracking_links: list[str]) -> dict[str, Any]:
    """The ``GXOrderListItem`` of ``GET /orders`` (``OrderListItemJsonSerializer``)."""
    billing = order["addresses"]["billing"]
    total = next(t for t in order["totals"] if t.get("class") == "ot_total")
    status = order["customer"]["status"]
    return {
        "id": order["id"],
        "statusId": order["statusId"],
        "statusName": ORDER_STATUSES[order["statusId"]]["de"],
        "totalSum": total.get("valueText") or _money_text(Decimal(str(total["value"])), order["currencyCode"]),
        "purchaseDate": order["purchaseDate"],
        "comment": order["comment"],
        "withdrawalIds": [],
        "mailStatus": True,
        "customerId": order["customer"]["id"],
        "customerName": f"{billing['firstname']} {billing['lastname']}",
        "customerEmail": order["customer"]["email"],
        "customerStatusId": status["id"],
        "customerStatusName": status["name"],
        "customerMemos": [],
        "deliveryAddress": _list_address(order["addresses"]["delivery"]),
        "billingAddress": _list_address(billing),
        "paymentType": dict(order["paymentType"]),
        "shippingType": dict(order["shippingType"]),
        "trackingLinks": tracking_links,
    }


def sort_rows(rows: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    """Gambio's ``sort`` parameter (``+id``, ``-purchaseDate``; up to five fields); default: newest id first."""
    if not sort:
        return sorted(rows, key=lambda r: r["id"], reverse=True)
    for field in reversed([f.strip() for f in sort.split(",") if f.strip()][:5]):
        name = field.lstrip("+-")
        rows = sorted(rows, key=lambda r, name=name: (r.get(name) is None, r.get(name)), reverse=field.startswith("-"))
    return rows

"""Reading what shippers send back: confirmation files (CSV, XML) with a configurable column or
element mapping, stock feeds, and tracking numbers in mail text. Pure functions, no I/O.

Every problem raises :class:`UnreadableConfirmation` with a message a person can act on; the caller
quarantines the file and opens a ticket.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

MAX_TEXT = 200_000  # characters of a mail searched with a merchant's regex (bounded work)

CSV_MAPPING = {
    "shipment": "delivery_note",
    "order": "order",
    "tracking_number": "tracking_number",
    "carrier": "carrier",
    "shipped_at": "shipped_at",
    "sku": "sku",
    "quantity": "quantity",
}
XML_MAPPING = {
    "record": ".//confirmation",
    "shipment": "deliveryNote",
    "order": "order",
    "tracking_number": "trackingNumber",
    "carrier": "carrier",
    "shipped_at": "shippedAt",
    "sku": "sku",
    "quantity": "quantity",
}
STOCK_CSV_MAPPING = {"sku": "sku", "quantity": "quantity"}
STOCK_XML_MAPPING = {"record": ".//item", "sku": "sku", "quantity": "quantity"}
DEFAULT_SHIPMENT_PATTERN = r"\bLS-\d{4}-\d{6}\b"
DEFAULT_TRACKING_PATTERN = (
    r"(?i)\btracking(?:[ -]?(?:number|nr\.?|no\.?|nummer))?\s*[:#]?\s*(?P<tracking>[A-Z0-9]{8,40})\b"
)


class UnreadableConfirmation(ValueError):
    """The file or mail cannot be read as a confirmation or stock feed; the message says why."""


@dataclass(frozen=True)
class PackageConfirmation:
    """One parcel the shipper reports: which delivery note (or order), tracking number, contents."""

    tracking_number: str
    shipment: str = ""
    order: str = ""
    carrier: str = ""
    shipped_at: dt.datetime | None = None
    lines: dict[str, int] = field(default_factory=dict)


def _mapping(defaults: dict[str, str], configured: dict[str, Any] | None) -> dict[str, str]:
    return {**defaults, **{k: str(v) for k, v in (configured or {}).items() if k in defaults}}


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableConfirmation("the file is neither UTF-8 nor Windows-1252 text")


def _csv_rows(content: bytes, delimiter: str | None) -> list[dict[str, str]]:
    text = _decode(content)
    if not text.strip():
        raise UnreadableConfirmation("the file is empty")
    header = text.splitlines()[0]
    if not delimiter:
        delimiter = max(";,\t|", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise UnreadableConfirmation(f"not a readable CSV file: {exc}") from None
    return rows


def _quantity(value: str, where: str) -> int:
    try:
        quantity = int(value)
    except ValueError:
        raise UnreadableConfirmation(f"{where}: quantity {value!r} is not a whole number") from None
    if quantity <= 0:
        raise UnreadableConfirmation(f"{where}: quantity must be positive, got {quantity}")
    return quantity


def _timestamp(value: str, where: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UnreadableConfirmation(f"{where}: shipped_at {value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        raise UnreadableConfirmation(f"{where}: shipped_at {value!r} has no time zone")
    return parsed


def _group(records: Iterable[tuple[str, dict[str, str]]]) -> list[PackageConfirmation]:
    """Rows of one parcel (same delivery note and tracking number) become one confirmation."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for where, row in records:
        tracking = row.get("tracking_number", "")
        if not tracking:
            raise UnreadableConfirmation(f"{where}: no tracking number")
        if len(tracking) > 64 or not re.fullmatch(r"[A-Za-z0-9 ._/-]+", tracking):
            raise UnreadableConfirmation(f"{where}: {tracking!r} does not look like a tracking number")
        if not row.get("shipment") and not row.get("order"):
            raise UnreadableConfirmation(f"{where}: names neither a delivery note nor an order")
        key = (row.get("shipment", ""), row.get("order", ""), tracking)
        entry = grouped.setdefault(
            key,
            {
                "carrier": row.get("carrier", ""),
                "shipped_at": _timestamp(row.get("shipped_at", ""), where),
                "lines": {},
            },
        )
        if row.get("sku"):
            quantity = _quantity(row.get("quantity", "") or "1", where)
            entry["lines"][row["sku"]] = entry["lines"].get(row["sku"], 0) + quantity
    if not grouped:
        raise UnreadableConfirmation("the file holds no confirmation")
    return [
        PackageConfirmation(tracking_number=tracking, shipment=shipment, order=order, **values)
        for (shipment, order, tracking), values in grouped.items()
    ]


def parse_confirmation_csv(
    content: bytes, *, mapping: dict[str, Any] | None = None, delimiter: str | None = None
) -> list[PackageConfirmation]:
    columns = _mapping(CSV_MAPPING, mapping)
    rows = _csv_rows(content, delimiter)
    if rows:
        present = set(rows[0])
        if columns["tracking_number"] not in present:
            raise UnreadableConfirmation(f"no column {columns['tracking_number']!r} (tracking number)")
        if columns["shipment"] not in present and columns["order"] not in present:
            raise UnreadableConfirmation(
                f"no column {columns['shipment']!r} (delivery note) or {columns['order']!r} (order)"
            )
    return _group(
        (f"row {number}", {field: row.get(column, "") for field, column in columns.items()})
        for number, row in enumerate(rows, start=2)
    )


def _xml_records(content: bytes, record_path: str) -> list[Any]:
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise UnreadableConfirmation(f"not well-formed XML: {exc}") from None
    try:
        records = root.findall(record_path) if root.tag != record_path.rpartition("/")[2] else [root]
    except SyntaxError as exc:
        raise UnreadableConfirmation(f"bad record path {record_path!r}: {exc}") from None
    return records


def _xml_value(element: Any, path: str) -> str:
    if path.startswith("@"):
        return (element.get(path[1:]) or "").strip()
    if "/@" in path:
        child_path, _, attribute = path.partition("/@")
        child = element.find(child_path)
        return (child.get(attribute) or "").strip() if child is not None else ""
    child = element.find(path)
    return (child.text or "").strip() if child is not None else ""


def parse_confirmation_xml(content: bytes, *, mapping: dict[str, Any] | None = None) -> list[PackageConfirmation]:
    paths = _mapping(XML_MAPPING, mapping)
    records = _xml_records(content, paths["record"])
    fields = [f for f in paths if f != "record"]
    return _group(
        (f"record {number}", {f: _xml_value(record, paths[f]) for f in fields})
        for number, record in enumerate(records, start=1)
    )


def parse_stock(content: bytes, *, kind: str, mapping: dict[str, Any] | None = None,
                delimiter: str | None = None) -> dict[str, int]:
    """A stock feed (``kind`` ``csv`` or ``xml``) as ``{SKU: quantity}``; negative counts are 0."""
    stock: dict[str, int] = {}
    if kind == "xml":
        paths = _mapping(STOCK_XML_MAPPING, mapping)
        rows = [
            (f"record {n}", _xml_value(r, paths["sku"]), _xml_value(r, paths["quantity"]))
            for n, r in enumerate(_xml_records(content, paths["record"]), start=1)
        ]
    else:
        columns = _mapping(STOCK_CSV_MAPPING, mapping)
        raw = _csv_rows(content, delimiter)
        if raw and (columns["sku"] not in raw[0] or columns["quantity"] not in raw[0]):
            raise UnreadableConfirmation(
                f"a stock feed needs the columns {columns['sku']!r} and {columns['quantity']!r}"
            )
        rows = [(f"row {n}", r.get(columns["sku"], ""), r.get(columns["quantity"], "")) for n, r in
                enumerate(raw, start=2)]
    for where, sku, quantity in rows:
        if not sku or len(sku) > 64:
            raise UnreadableConfirmation(f"{where}: missing or overlong SKU")
        try:
            stock[sku] = max(int(quantity), 0)
        except ValueError:
            raise UnreadableConfirmation(f"{where}: quantity {quantity!r} is not a whole number") from None
    if not stock:
        raise UnreadableConfirmation("the stock feed is empty")
    return stock


def find_in_text(text: str, *, shipment_pattern: str, tracking_pattern: str) -> tuple[list[str], list[str]]:
    """Delivery note numbers and tracking numbers in a mail's text, in order of appearance, unique."""
    text = text[:MAX_TEXT]
    try:
        shipments = re.compile(shipment_pattern)
        trackings = re.compile(tracking_pattern)
    except re.error as exc:
        raise UnreadableConfirmation(f"bad pattern in the return channel configuration: {exc}") from None
    found_shipments = _unique(m.group(0) for m in shipments.finditer(text))
    found_tracking = _unique(
        (m.group("tracking") if "tracking" in trackings.groupindex else m.group(m.lastindex or 0))
        for m in trackings.finditer(text)
    )
    return found_shipments, [t for t in found_tracking if t not in found_shipments]


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value.strip(), None)
    return list(seen)

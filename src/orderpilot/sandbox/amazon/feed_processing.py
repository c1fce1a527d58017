"""What happens to a submitted feed when its processing time has passed.

- ``POST_ORDER_FULFILLMENT_DATA`` (XML ``OrderFulfillment`` messages) and ``POST_FLAT_FILE_FULFILLMENT_DATA``
  (tab-separated ``order-id``, ``order-item-id``, ``quantity``, ``ship-date``, ``carrier-code``,
  ``carrier-name``, ``tracking-number``, ``ship-method``) are applied as shipment confirmations, with the
  same validations as ``confirmShipment``; each package gets the next free ``packageReferenceId``.
- ``UPLOAD_VAT_INVOICE`` checks its ``feedOptions`` metadata (``metadata:orderid``,
  ``metadata:invoicenumber``, ``metadata:documenttype`` = Invoice|CreditNote; ``OrderId``-style keys
  are accepted too) and that the document is a PDF of a known order.
- Any other feed type is accepted and reported as processed without being interpreted.
- A feed whose document was never uploaded ends ``FATAL``.

The processing report (``resultFeedDocumentId``) is an XML ``ProcessingReport`` (tab-separated for flat
files) with ``MessagesProcessed``/``MessagesSuccessful``/``MessagesWithError``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from .clock import format_timestamp
from .errors import SpApiError
from .feeds import FEED_DOCUMENT_PREFIX
from .records import OrderRecord
from .reports import new_document_id
from .shipments import apply_package, plan_package
from .state import Feed, SimState, StoredDocument

FULFILLMENT_XML = "POST_ORDER_FULFILLMENT_DATA"
FULFILLMENT_FLAT = "POST_FLAT_FILE_FULFILLMENT_DATA"
VAT_INVOICE = "UPLOAD_VAT_INVOICE"

logger = logging.getLogger(__name__)

Outcome = tuple[str, str | None]  # (message id, error text or None)


def metadata(options: dict[str, str]) -> dict[str, str]:
    """feedOptions with the ``metadata:`` prefix dropped and keys lower-cased (``OrderId`` → ``orderid``)."""
    return {k.lower().removeprefix("metadata:"): v for k, v in options.items()}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name and child.text is not None:
            return child.text.strip()
    return None


def _next_reference(record: OrderRecord) -> str:
    numbers = [int(p.package_reference_id) for p in record.packages if p.package_reference_id.isdigit()]
    return str(max(numbers, default=0) + 1)


def _confirm(
    state: SimState,
    feed: Feed,
    order_id: str,
    detail: dict[str, Any],
    *,
    now: dt.datetime,
    transit: dt.timedelta,
) -> str | None:
    record = state.orders.get(order_id or "")
    if record is None:
        return f"Order {order_id} was not found."
    if not detail.get("orderItems"):
        detail["orderItems"] = [
            {
                "orderItemId": i["OrderItemId"],
                "quantity": int(i["QuantityOrdered"]) - int(i.get("QuantityShipped", 0)),
            }
            for i in record.items
            if int(i["QuantityOrdered"]) > int(i.get("QuantityShipped", 0))
        ]
    detail["packageReferenceId"] = _next_reference(record)
    body = {
        "marketplaceId": record.marketplace_id,
        "packageDetail": {k: v for k, v in detail.items() if v is not None},
    }
    try:
        plan = plan_package(record, body)
    except SpApiError as error:
        return error.message + (f" {error.details}" if error.details else "")
    apply_package(record, plan, now=now, transit=transit)
    state.shipment_confirmations.append(
        {
            "AmazonOrderId": record.order_id,
            "source": feed.feed_type,
            "feedId": feed.feed_id,
            "edit": False,
            "receivedAt": format_timestamp(feed.created_time),
            "body": body,
        }
    )
    return None


def _fulfillment_xml(
    state: SimState, feed: Feed, content: bytes, now: dt.datetime, transit: dt.timedelta
) -> list[Outcome]:
    try:
        root = SafeET.fromstring(content)
    except (ET.ParseError, DefusedXmlException) as error:
        return [("0", f"The feed XML could not be read: {error}")]
    outcomes = []
    for message in (e for e in root.iter() if _local(e.tag) == "Message"):
        message_id = _child_text(message, "MessageID") or str(len(outcomes) + 1)
        fulfillment = next((e for e in message.iter() if _local(e.tag) == "OrderFulfillment"), None)
        if fulfillment is None:
            outcomes.append((message_id, "The message has no OrderFulfillment element."))
            continue
        items = []
        for item in (e for e in fulfillment.iter() if _local(e.tag) == "Item"):
            quantity = _child_text(item, "Quantity")
            items.append(
                {
                    "orderItemId": _child_text(item, "AmazonOrderItemCode"),
                    "quantity": int(quantity) if quantity and quantity.isdigit() else quantity,
                }
            )
        detail = {
            "carrierCode": _child_text(fulfillment, "CarrierCode")
            or ("Other" if _child_text(fulfillment, "CarrierName") else None),
            "carrierName": _child_text(fulfillment, "CarrierName"),
            "shippingMethod": _child_text(fulfillment, "ShippingMethod"),
            "trackingNumber": _child_text(fulfillment, "ShipperTrackingNumber"),
            "shipDate": _child_text(fulfillment, "FulfillmentDate"),
            "orderItems": items,
        }
        error = _confirm(
            state, feed, _child_text(fulfillment, "AmazonOrderID") or "", detail, now=now, transit=transit
        )
        outcomes.append((message_id, error))
    return outcomes or [("0", "The feed contains no messages.")]


def _fulfillment_flat(
    state: SimState, feed: Feed, content: bytes, now: dt.datetime, transit: dt.timedelta
) -> list[Outcome]:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8", errors="replace")), delimiter="\t"))
    packages: dict[tuple[str, ...], list[tuple[int, dict[str, str]]]] = {}
    for number, row in enumerate(rows, start=1):
        key = tuple(row.get(k) or "" for k in ("order-id", "tracking-number", "ship-date", "carrier-code"))
        packages.setdefault(key, []).append((number, row))
    outcomes = []
    for (order_id, tracking, ship_date, carrier), lines in packages.items():
        first = lines[0][1]
        items = [
            {
                "orderItemId": r.get("order-item-id"),
                "quantity": int(r["quantity"]) if (r.get("quantity") or "").isdigit() else r.get("quantity"),
            }
            for _, r in lines
            if r.get("order-item-id")
        ]
        detail = {
            "carrierCode": carrier or None,
            "carrierName": first.get("carrier-name") or None,
            "shippingMethod": first.get("ship-method") or None,
            "trackingNumber": tracking or None,
            "shipDate": ship_date or None,
            "orderItems": items,
        }
        error = _confirm(state, feed, order_id, detail, now=now, transit=transit)
        outcomes.extend((str(number), error) for number, _ in lines)
    return outcomes or [("0", "The feed contains no records.")]


def _vat_invoice(state: SimState, feed: Feed, content: bytes) -> list[Outcome]:
    meta = metadata(feed.feed_options)
    missing = [k for k in ("orderid", "invoicenumber", "documenttype") if not meta.get(k)]
    if missing:
        return [("1", f"Missing feedOptions metadata: {', '.join('metadata:' + k for k in missing)}.")]
    if meta["documenttype"] not in ("Invoice", "CreditNote"):
        return [("1", f"metadata:documenttype must be Invoice or CreditNote, not {meta['documenttype']!r}.")]
    if meta["orderid"] not in state.orders:
        return [("1", f"Order {meta['orderid']} was not found.")]
    if not content.startswith(b"%PDF-"):
        return [("1", "The invoice document is not a PDF.")]
    return [("1", None)]


def _xml_report(feed: Feed, outcomes: list[Outcome]) -> bytes:
    errors = [(m, e) for m, e in outcomes if e]
    results = "".join(
        f"<Result><MessageID>{escape(m)}</MessageID><ResultCode>Error</ResultCode>"
        f"<ResultMessageCode>25</ResultMessageCode><ResultDescription>{escape(e)}</ResultDescription></Result>"
        for m, e in errors
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>"
        "<MerchantIdentifier>SIMULATOR</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType>"
        f"<Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>{feed.feed_id}"
        "</DocumentTransactionID><StatusCode>Complete</StatusCode><ProcessingSummary>"
        f"<MessagesProcessed>{len(outcomes)}</MessagesProcessed>"
        f"<MessagesSuccessful>{len(outcomes) - len(errors)}</MessagesSuccessful>"
        f"<MessagesWithError>{len(errors)}</MessagesWithError><MessagesWithWarning>0</MessagesWithWarning>"
        f"</ProcessingSummary>{results}</ProcessingReport></Message></AmazonEnvelope>\n"
    ).encode()


def _flat_report(outcomes: list[Outcome]) -> bytes:
    errors = [(m, e) for m, e in outcomes if e]
    lines = [
        "Feed Processing Summary:",
        f"\tNumber of records processed\t\t{len(outcomes)}",
        f"\tNumber of records successful\t\t{len(outcomes) - len(errors)}",
        "",
        "original-record-number\torder-id\terror-code\terror-type\terror-message",
    ]
    lines += [f"{m}\t\t25\tError\t{e}" for m, e in errors]
    return ("\n".join(lines) + "\n").encode()


def process_feed(state: SimState, feed: Feed, *, now: dt.datetime, transit: dt.timedelta) -> None:
    """Apply a due feed and attach its processing report; the feed ends DONE (or FATAL)."""
    document = state.documents[feed.input_document_id]
    report_type = "text/xml; charset=UTF-8"
    if not document.uploaded:
        outcomes: list[Outcome] = [("0", "The feed document was never uploaded.")]
        feed.processing_status = "FATAL"
    else:
        if feed.feed_type == FULFILLMENT_XML:
            outcomes = _fulfillment_xml(state, feed, document.content, now, transit)
        elif feed.feed_type == FULFILLMENT_FLAT:
            outcomes = _fulfillment_flat(state, feed, document.content, now, transit)
        elif feed.feed_type == VAT_INVOICE:
            outcomes = _vat_invoice(state, feed, document.content)
        else:
            outcomes = []
        feed.processing_status = "DONE"
    content = _flat_report(outcomes) if feed.feed_type == FULFILLMENT_FLAT else _xml_report(feed, outcomes)
    if feed.feed_type == FULFILLMENT_FLAT:
        report_type = "text/tab-separated-values; charset=UTF-8"
    document_id = new_document_id(FEED_DOCUMENT_PREFIX)
    state.documents[document_id] = StoredDocument(document_id, content, report_type, compressed=False)
    feed.result_document_id = document_id
    feed.summary = {
        "messagesProcessed": len(outcomes),
        "messagesSuccessful": sum(1 for _, e in outcomes if not e),
        "messagesWithError": sum(1 for _, e in outcomes if e),
        "errors": [e for _, e in outcomes if e],
    }


def advance_feeds(
    state: SimState, *, now: dt.datetime, processing: dt.timedelta, transit: dt.timedelta
) -> None:
    """Move feeds along IN_QUEUE → IN_PROGRESS → DONE/FATAL by simulator time, oldest first."""
    for feed in sorted(state.feeds.values(), key=lambda f: (f.created_time, int(f.feed_id))):
        if feed.processing_status not in ("IN_QUEUE", "IN_PROGRESS"):
            continue
        started = feed.created_time + processing / 2
        if now >= started:
            feed.processing_status, feed.processing_start_time = "IN_PROGRESS", started
        if now >= feed.created_time + processing:
            feed.processing_end_time = feed.created_time + processing
            try:
                process_feed(state, feed, now=feed.processing_end_time, transit=transit)
            except Exception:
                # A simulator bug must not wedge every later request (each one ticks): fail this feed loudly.
                logger.exception("amazon simulator: feed %s could not be processed", feed.feed_id)
                feed.processing_status = "FATAL"

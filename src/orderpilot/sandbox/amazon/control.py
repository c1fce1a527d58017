"""Test control under ``/_sim/`` (CONTRACT.md §4). Plain JSON in and out; no access token needed.

=======================================  =====================================================================
``POST /_sim/orders``                    an SP-API v0 ``Order`` + ``OrderItems`` (+ ``BuyerInfo``,
                                         ``ShippingAddress``, ``BuyerCompanyName``, ``DeliveryPreferences``);
                                         201 created, 200 replaced (same ``AmazonOrderId``)
``GET /_sim/orders[/{id}]``              stored orders as received (v0 shape, with PII), for debugging
``POST /_sim/orders/{id}/status``        ``{"OrderStatus": "Canceled", "CancelReason"?: ..., "CancelledBy"?:
                                         BUYER|MERCHANT|AMAZON, "BuyerCancelReason"?: ...}``; the last adds a
                                         buyer cancel request to every item; ``LastUpdateDate`` moves
``GET /_sim/shipment-confirmations``     every accepted confirmation (confirmShipment or feed), as received;
                                         ``?rejected=true``: refused confirmShipment calls with the error
``POST /_sim/settlement-reports``        a settlement V2 flat file (text); ``?marketplaceId=`` optional
``GET /_sim/solicitations``              review solicitations accepted
``GET /_sim/feeds``                      every feed: type, marketplaces, options, status, content as text
                                         (a PDF: its size, version, page count, and the metadata options)
``GET /_sim/messages``                   every Messaging call accepted, with each attachment's file name,
                                         upload destination, size, MD5 and SHA-256
``GET /_sim/uploads/{id}``               the bytes uploaded to an Uploads API destination
``GET|POST /_sim/clock``                 ``{"advance": "6d"}`` (also ``30m``, ``2h``, ``1d12h``) → ``{"now"}``
``POST /_sim/faults``                    see :mod:`.faults`
``POST /_sim/generate``                  ``{"count": N, "skus"?: [...]}`` realistic DE/AT/UK orders
``POST /_sim/reset``                     forget everything; the clock returns to its start
=======================================  =====================================================================
"""

from __future__ import annotations

import json
import re
from typing import Any

from .clock import format_timestamp, parse_duration
from .faults import FaultConfigError
from .feed_processing import metadata
from .intake import ORDER_STATUSES, IntakeError, build_record, default_cancellation, recount
from .records import OrderRecord
from .reports import SettlementFileError, add_settlement_report, report_json
from .routing import Call, Reply

_PDF_VERSION = re.compile(rb"^%PDF-(\d\.\d)")
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


def _body(call: Call) -> Any:
    raw = call.request.get_data()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IntakeError(f"the body is not JSON: {error}") from None


def _record_json(record: OrderRecord) -> dict[str, Any]:
    body = dict(record.order)
    body["OrderItems"] = [dict(i) for i in record.items]
    if record.shipping_address is not None:
        body["ShippingAddress"] = record.shipping_address
    if record.buyer_info is not None:
        body["BuyerInfo"] = record.buyer_info
    body.update(record.address_extras)
    return body


def post_order(call: Call) -> Reply:
    try:
        record = build_record(_body(call), now=call.now, rng=call.sim.rng)
    except IntakeError as error:
        return _error(400, str(error))
    state = call.sim.state
    previous = state.orders.get(record.order_id)
    if previous is not None:
        # A replaced order keeps what Amazon-side actions produced: packages and the pending timer.
        record.packages, record.pending_until = previous.packages, previous.pending_until
    state.orders[record.order_id] = record
    return Reply(200 if previous else 201, _record_json(record))


def list_orders(call: Call) -> Reply:
    return Reply(200, {"orders": [_record_json(r) for r in call.sim.state.orders.values()]})


def get_order(call: Call) -> Reply:
    record = call.sim.state.orders.get(call.args["orderId"])
    return Reply(200, _record_json(record)) if record else _error(404, f"no order {call.args['orderId']}")


def set_status(call: Call) -> Reply:
    record = call.sim.state.orders.get(call.args["orderId"])
    if record is None:
        return _error(404, f"no order {call.args['orderId']}")
    try:
        body = _body(call)
    except IntakeError as error:
        return _error(400, str(error))
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    status, buyer_reason = body.get("OrderStatus"), body.get("BuyerCancelReason")
    if status is None and buyer_reason is None:
        return _error(400, "give OrderStatus and/or BuyerCancelReason")
    if status is not None and status not in ORDER_STATUSES:
        return _error(400, f"OrderStatus must be one of {sorted(ORDER_STATUSES)}")
    if body.get("CancelledBy") not in (None, "BUYER", "MERCHANT", "AMAZON"):
        return _error(400, "CancelledBy must be BUYER, MERCHANT or AMAZON")
    if buyer_reason is not None:
        for item in record.items:
            item["BuyerRequestedCancel"] = {
                "IsBuyerRequestedCancel": "true",
                "BuyerCancelReason": str(buyer_reason),
            }
    if status is not None:
        record.order["OrderStatus"] = status
        record.pending_until = None
        if status == "Canceled":
            record.cancellation = default_cancellation(record, body.get("CancelReason"))
            if body.get("CancelledBy"):
                record.cancellation["cancelledBy"] = body["CancelledBy"]
        recount(record)
    record.order["LastUpdateDate"] = format_timestamp(call.now)
    return Reply(200, _record_json(record))


def shipment_confirmations(call: Call) -> Reply:
    if call.request.args.get("rejected", "").lower() == "true":
        return Reply(200, {"rejected": list(call.sim.state.rejected_confirmations)})
    return Reply(200, {"confirmations": list(call.sim.state.shipment_confirmations)})


def post_settlement_report(call: Call) -> Reply:
    try:
        report = add_settlement_report(call, call.request.get_data())
    except SettlementFileError as error:
        return _error(400, str(error))
    return Reply(201, report_json(report))


def solicitations(call: Call) -> Reply:
    return Reply(200, {"solicitations": list(call.sim.state.solicitations)})


def messages(call: Call) -> Reply:
    return Reply(200, {"messages": list(call.sim.state.messages)})


def feeds(call: Call) -> Reply:
    state = call.sim.state
    listed = []
    for feed in state.feeds.values():
        document = state.documents[feed.input_document_id]
        entry: dict[str, Any] = {
            "feedId": feed.feed_id,
            "feedType": feed.feed_type,
            "marketplaceIds": feed.marketplace_ids,
            "feedOptions": feed.feed_options,
            "metadata": metadata(feed.feed_options),
            "processingStatus": feed.processing_status,
            "createdTime": format_timestamp(feed.created_time),
            "contentType": document.content_type,
            "size": len(document.content),
            "result": feed.summary or None,
        }
        version = _PDF_VERSION.match(document.content)
        if version:
            entry["pdf"] = {
                "version": version.group(1).decode(),
                "pages": len(_PDF_PAGE.findall(document.content)),
            }
        else:
            entry["content"] = document.content.decode("utf-8", errors="replace")
        listed.append(entry)
    return Reply(200, {"feeds": listed})


def clock(call: Call) -> Reply:
    if call.request.method == "POST":
        try:
            body = _body(call)
            call.sim.clock.advance(
                parse_duration(str(body.get("advance", "")) if isinstance(body, dict) else "")
            )
        except (IntakeError, ValueError) as error:
            return _error(400, str(error))
        call.sim.tick(call.sim.clock.now())
    return Reply(200, {"now": format_timestamp(call.sim.clock.now())})


def faults(call: Call) -> Reply:
    try:
        return Reply(200, call.sim.faults.configure(_body(call)))
    except (IntakeError, FaultConfigError) as error:
        return _error(400, str(error))


def generate(call: Call) -> Reply:
    try:
        body = _body(call)
    except IntakeError as error:
        return _error(400, str(error))
    count = body.get("count", 1) if isinstance(body, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
        return _error(400, "count must be an integer from 1 to 1000")
    skus = body.get("skus")
    if skus is not None and (
        not isinstance(skus, list) or not skus or not all(isinstance(s, str) and s for s in skus)
    ):
        return _error(400, "skus must be a non-empty list of SKU strings")
    created = []
    for _ in range(count):
        record = call.sim.generator.order(call.now, skus=tuple(skus) if skus else None)
        call.sim.state.orders[record.order_id] = record
        created.append(record.order_id)
    return Reply(201, {"AmazonOrderIds": created})


def reset(call: Call) -> Reply:
    call.sim.reset()
    return Reply(200, {"reset": True, "now": format_timestamp(call.sim.clock.now())})

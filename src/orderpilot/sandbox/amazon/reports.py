"""Reports API 2021-06-30: getReports, getReport, getReportDocument, createReport; settlement reports.

- Settlement reports (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``) appear only through
  ``POST /_sim/settlement-reports``, already ``DONE``; ``createReport`` refuses every settlement type with
  400 ``InvalidInput`` as Amazon does ("Request for report type 1118 is not allowed at this time",
  amzn/selling-partner-api-models#1265).
- ``createReport`` accepts ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL`` and
  ``..._BY_ORDER_DATE_GENERAL`` (tab-separated order lines without personal data); they go IN_QUEUE →
  IN_PROGRESS → DONE over the configured processing time. Every other report type is refused with 400,
  naming the type, because the simulator cannot produce its content.
- Documents are gzipped (``compressionAlgorithm: "GZIP"``) and served from the simulator's ``/_s3/`` URLs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from typing import Any

from .clock import format_timestamp, parse_timestamp
from .documents import download
from .errors import SpApiError, invalid_input, not_found
from .listing import list_page
from .marketplaces import DEFAULT_MARKETPLACE_ID, marketplace_by_sales_channel
from .routing import Call, Reply
from .state import Report, SimState, StoredDocument

SETTLEMENT_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
_SETTLEMENT_TYPES = {
    SETTLEMENT_V2: "1118",
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE": "1117",
    "GET_V2_SETTLEMENT_REPORT_DATA_XML": "GET_V2_SETTLEMENT_REPORT_DATA_XML",
}
ALL_ORDERS_BY_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ALL_ORDERS_BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
_ALL_ORDERS_COLUMNS = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
)
_SETTLEMENT_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S UTC",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
    "%m/%d/%y",
    "%m/%d/%Y",
    "%Y-%m-%d %H:%M:%S",
)


class SettlementFileError(ValueError):
    """The posted text is not a settlement V2 flat file (header and summary row)."""


def new_document_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(16)}"


def _settlement_date(text: str) -> str:
    text = text.strip()
    for pattern in _SETTLEMENT_DATE_FORMATS:
        try:
            return format_timestamp(dt.datetime.strptime(text, pattern).replace(tzinfo=dt.UTC))
        except ValueError:
            continue
    try:
        return format_timestamp(parse_timestamp(text.replace(" UTC", "Z")))
    except ValueError:
        raise SettlementFileError(f"cannot read the settlement date {text!r}") from None


def add_settlement_report(call: Call, content: bytes) -> Report:
    """Store a settlement flat file as a DONE report whose data period is the summary row's."""
    text = (
        content.decode("utf-8", errors="replace") if content[:3] != b"\xef\xbb\xbf" else content[3:].decode()
    )
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if len(rows) < 2 or "settlement-start-date" not in rows[0] or "settlement-end-date" not in rows[0]:
        raise SettlementFileError(
            "expected a tab-separated header with settlement-start-date/-end-date and a summary row"
        )
    header = rows[0]
    summary = dict(zip(header, rows[1], strict=False))
    start, end = (
        _settlement_date(summary["settlement-start-date"]),
        _settlement_date(summary["settlement-end-date"]),
    )
    marketplace_id = call.request.args.get("marketplaceId")
    for row in rows[2:]:
        found = marketplace_by_sales_channel(dict(zip(header, row, strict=False)).get("marketplace-name", ""))
        if found and not marketplace_id:
            marketplace_id = found.marketplace_id
    state = call.sim.state
    document_id = new_document_id("amzn1.spdoc.1.4.eu.")
    state.documents[document_id] = StoredDocument(document_id, content, "text/plain", compressed=True)
    report = Report(
        report_id=state.next_id(),
        report_type=SETTLEMENT_V2,
        marketplace_ids=[marketplace_id or DEFAULT_MARKETPLACE_ID],
        created_time=call.now,
        processing_status="DONE",
        data_start_time=start,
        data_end_time=end,
        report_document_id=document_id,
        processing_start_time=call.now,
        processing_end_time=call.now,
    )
    state.reports[report.report_id] = report
    return report


def report_json(report: Report) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": list(report.marketplace_ids),
        "createdTime": format_timestamp(report.created_time),
        "processingStatus": report.processing_status,
    }
    if report.data_start_time:
        body["dataStartTime"] = report.data_start_time
    if report.data_end_time:
        body["dataEndTime"] = report.data_end_time
    if report.processing_start_time:
        body["processingStartTime"] = format_timestamp(report.processing_start_time)
    if report.processing_end_time:
        body["processingEndTime"] = format_timestamp(report.processing_end_time)
    if report.report_document_id:
        body["reportDocumentId"] = report.report_document_id
    return body


def get_reports(call: Call) -> Reply:
    reports = call.sim.state.reports
    ids, following = list_page(
        call,
        kind="getReports",
        types_param="reportTypes",
        entries=reports.values(),
        identify=lambda r: r.report_id,
        describe=lambda r: (r.report_type, r.processing_status, r.marketplace_ids, r.created_time),
    )
    body: dict[str, Any] = {"reports": [report_json(reports[i]) for i in ids]}
    if following:
        body["nextToken"] = following
    return Reply(200, body)


def get_report(call: Call) -> Reply:
    report = call.sim.state.reports.get(call.args["reportId"])
    if report is None:
        raise not_found(f"Report {call.args['reportId']} was not found.")
    return Reply(200, report_json(report))


def get_report_document(call: Call) -> Reply:
    document_id = call.args["reportDocumentId"]
    document = call.sim.state.documents.get(document_id)
    if document is None or not document_id.startswith("amzn1.spdoc."):
        raise not_found(f"Report document {document_id} was not found.")
    encoding = call.request.args.get("enableContentEncodingUrlHeader", "").lower() == "true"
    url = call.sim.signer.url(
        call.base_url,
        f"/_s3/reports/{document_id}",
        method="GET",
        now=call.now,
        content_encoding=encoding and document.compressed,
    )
    body: dict[str, Any] = {"reportDocumentId": document_id, "url": url}
    if document.compressed:
        body["compressionAlgorithm"] = "GZIP"
    return Reply(200, body)


def download_report_document(call: Call) -> Reply:
    """``GET /_s3/reports/{documentId}``: the presigned download the getReportDocument url points to."""
    refusal = call.sim.signer.refusal(call)
    if refusal:
        return refusal
    document = call.sim.state.documents.get(call.args["documentId"])
    if document is None:
        return Reply(404, raw=b"NoSuchKey", content_type="text/plain")
    return download(call, document)


def create_report(call: Call) -> Reply:
    body = call.json_body()
    report_type, marketplaces = body.get("reportType"), body.get("marketplaceIds")
    if not isinstance(report_type, str) or not report_type:
        raise invalid_input("reportType is required.")
    if (
        not isinstance(marketplaces, list)
        or not marketplaces
        or not all(isinstance(m, str) for m in marketplaces)
    ):
        raise invalid_input("marketplaceIds is required (a list of marketplace ids).")
    if report_type in _SETTLEMENT_TYPES:
        raise SpApiError(
            400,
            "InvalidInput",
            f"Request for report type {_SETTLEMENT_TYPES[report_type]} is not allowed at this time",
            "Settlement reports cannot be requested or scheduled. "
            "They are automatically scheduled by Amazon.",
        )
    if report_type not in (ALL_ORDERS_BY_UPDATE, ALL_ORDERS_BY_DATE):
        raise invalid_input(
            f"Report type {report_type} is not supported by the simulator.",
            f"Supported: {ALL_ORDERS_BY_UPDATE}, {ALL_ORDERS_BY_DATE}; settlement reports come from /_sim/.",
        )
    start = _body_time(body, "dataStartTime") or call.now - dt.timedelta(days=30)
    end = _body_time(body, "dataEndTime") or call.now
    if end < start:
        raise invalid_input("dataEndTime must not be before dataStartTime.")
    state = call.sim.state
    report = Report(
        state.next_id(),
        report_type,
        list(marketplaces),
        call.now,
        "IN_QUEUE",
        format_timestamp(start),
        format_timestamp(end),
    )
    state.reports[report.report_id] = report
    return Reply(202, {"reportId": report.report_id})


def _body_time(body: dict[str, Any], name: str) -> dt.datetime | None:
    if body.get(name) is None:
        return None
    try:
        return parse_timestamp(str(body[name]))
    except ValueError:
        raise invalid_input(f"Invalid date/time field [{name}]") from None


def _all_orders_document(state: SimState, report: Report) -> bytes:
    field = "LastUpdateDate" if report.report_type == ALL_ORDERS_BY_UPDATE else "PurchaseDate"
    start, end = parse_timestamp(report.data_start_time or ""), parse_timestamp(report.data_end_time or "")
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(_ALL_ORDERS_COLUMNS)
    records = sorted(state.orders.values(), key=lambda r: (parse_timestamp(r.order[field]), r.order_id))
    for record in records:
        order = record.order
        if (
            record.marketplace_id not in report.marketplace_ids
            or not start <= parse_timestamp(order[field]) <= end
        ):
            continue
        address = record.shipping_address or {}
        for item in record.items:
            shipped = int(item.get("QuantityShipped", 0)) >= int(item["QuantityOrdered"])
            item_status = (
                "Cancelled" if record.status == "Canceled" else ("Shipped" if shipped else "Unshipped")
            )
            money = {
                k: (item.get(k) or {})
                for k in (
                    "ItemPrice",
                    "ItemTax",
                    "ShippingPrice",
                    "ShippingTax",
                    "PromotionDiscount",
                    "ShippingDiscount",
                )
            }
            pending = record.is_pending
            writer.writerow(
                (
                    record.order_id,
                    order.get("SellerOrderId", ""),
                    order["PurchaseDate"],
                    order["LastUpdateDate"],
                    record.status,
                    "Merchant" if record.is_merchant_fulfilled else "Amazon",
                    order.get("SalesChannel", ""),
                    order.get("ShipServiceLevel", ""),
                    item.get("Title", ""),
                    item.get("SellerSKU", ""),
                    item["ASIN"],
                    item_status,
                    item["QuantityOrdered"],
                    "" if pending else money["ItemPrice"].get("CurrencyCode", ""),
                    *("" if pending else money[k].get("Amount", "") for k in money),
                    address.get("City", ""),
                    address.get("StateOrRegion", ""),
                    address.get("PostalCode", ""),
                    address.get("CountryCode", ""),
                    ",".join(item.get("PromotionIds") or []),
                    str(bool(order.get("IsBusinessOrder"))).lower(),
                    (record.buyer_info or {}).get("PurchaseOrderNumber", ""),
                    item.get("PriceDesignation", ""),
                )
            )
    return out.getvalue().encode()


def advance_reports(state: SimState, *, now: dt.datetime, processing: dt.timedelta) -> None:
    """Move requested reports along IN_QUEUE → IN_PROGRESS → DONE by simulator time."""
    for report in state.reports.values():
        if report.processing_status not in ("IN_QUEUE", "IN_PROGRESS"):
            continue
        started = report.created_time + processing / 2
        if now >= started:
            report.processing_status, report.processing_start_time = "IN_PROGRESS", started
        if now >= report.created_time + processing:
            document_id = new_document_id("amzn1.spdoc.1.4.eu.")
            content = _all_orders_document(state, report)
            state.documents[document_id] = StoredDocument(document_id, content, "text/plain", compressed=True)
            report.report_document_id, report.processing_status = document_id, "DONE"
            report.processing_end_time = report.created_time + processing


def cancel_report(call: Call) -> Reply:
    """``DELETE /reports/2021-06-30/reports/{reportId}``: only an IN_QUEUE report (200, no body)."""
    report = call.sim.state.reports.get(call.args["reportId"])
    if report is None:
        raise not_found(f"Report {call.args['reportId']} was not found.")
    if report.processing_status != "IN_QUEUE":
        raise invalid_input(
            f"Report {report.report_id} is {report.processing_status}; "
            "only IN_QUEUE reports can be cancelled."
        )
    report.processing_status = "CANCELLED"
    return Reply(200)

"""Amazon's settlement report, flat file V2 (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``).

Tab-separated, a header line, then the summary row (settlement id, period, deposit date, total
amount, currency; nothing else), then one row per amount (research/sp-api.md §7.3). What real
files do, and this parser accepts:

- decimals with a dot or a German comma, both in one file (``5.05`` and ``5,05``), with or without
  thousands separators (``1.141,18``);
- dates as ISO (``2026-11-14 07:49:55 UTC``, ``2026-11-14T07:49:55+00:00``), German
  (``14.11.2026 07:49:55 UTC``, ``14.11.2026``) or US (``11/14/26``), all taken as UTC;
- UTF-8 (with or without BOM), falling back to Windows-1252 line by line (S3 sends no charset);
- ``order-id`` values that are no Amazon order (``other-transaction`` rows): no order reference.

Wrong or missing columns, rows with the wrong number of fields, a truncated last line, unreadable
amounts or dates raise :class:`~orderpilot.payments.base.PayoutFormatError` naming the line.
It is a generator over the file's lines: memory stays constant whatever the file's size.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from ..base import PayoutFormatError, PayoutSummary, SettlementLine

SOURCE_KIND = "amazon"
COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)
REQUIRED = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "amount-type",
    "amount-description",
    "amount",
)
AMAZON_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
ORDER_TRANSACTIONS = {"order", "refund", "chargeback refund", "a-to-z guarantee claim"}
TAX_DESCRIPTIONS = {"tax", "shippingtax", "giftwraptax", "taxdiscount"}


def parse_settlement(fileobj: BinaryIO) -> Iterator[PayoutSummary | SettlementLine]:
    """Yield the :class:`PayoutSummary`, then one :class:`SettlementLine` per amount row."""
    lines = _decoded_lines(fileobj)
    try:
        number, header_line, _ = next(lines)
    except StopIteration:
        raise PayoutFormatError("the file is empty") from None
    header = [name.strip().lower() for name in header_line.split("\t")]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise PayoutFormatError(
            f"not a settlement flat file V2: missing column(s) {', '.join(missing)}", line=1
        )
    if "posted-date" not in header and "posted-date-time" not in header:
        raise PayoutFormatError("missing column posted-date or posted-date-time", line=1)
    index = {name: position for position, name in enumerate(header)}
    for number, text, ended in lines:
        if text and not text.isspace():
            fields = _fields(text, number, ended, len(header))
            summary = _summary({name: fields[position].strip() for name, position in index.items()}, number)
            break
    else:
        raise PayoutFormatError("no summary row after the header", line=number)
    yield summary
    yield from _lines(lines, index, summary)


def _fields(text: str, number: int, ended: bool, width: int) -> list[str]:
    """The row's fields; raise unless it has the header's number (empty ones beyond it are allowed)."""
    fields = text.split("\t")
    if len(fields) != width:
        if len(fields) < width:
            if not ended:
                raise PayoutFormatError(f"the file is truncated: {len(fields)} of {width} fields", line=number)
            raise PayoutFormatError(f"{len(fields)} fields, the header has {width}", line=number)
        if any(f.strip() for f in fields[width:]):
            raise PayoutFormatError(f"{len(fields)} fields, the header has {width}", line=number)
    return fields


def _lines(
    lines: Iterator[tuple[int, str, bool]], index: dict[str, int], summary: PayoutSummary
) -> Iterator[SettlementLine]:
    """The amount rows after the summary: the hot loop of an import (hundreds of thousands of rows).

    Columns are taken by position rather than through a dict per row, and the values that repeat
    from row to row (dates, amounts, amount types, transaction types) are parsed once per distinct
    text, in bounded memos (memory stays constant); the result is the same as parsing every row.
    """
    width = len(index)
    settlement_at, transaction_at, order_at = index["settlement-id"], index["transaction-type"], index["order-id"]
    type_at, description_at, amount_at = index["amount-type"], index["amount-description"], index["amount"]
    posted_at = [index[name] for name in ("posted-date-time", "posted-date") if name in index]
    sku_at, quantity_at = index.get("sku"), index.get("quantity-purchased")
    amount_of, date_of = _memo(parse_amount), _memo(parse_date)
    category_of, transaction_of = _memo(_category), _memo(_transaction_kind)
    is_order_id = AMAZON_ORDER_ID.match
    settlement_id = summary.settlement_id
    zero = Decimal("0.00")
    for number, text, ended in lines:
        if not text or text.isspace():
            continue
        fields = text.split("\t")
        if len(fields) != width:
            fields = _fields(text, number, ended, width)
        if (row_settlement := fields[settlement_at].strip()) and row_settlement != settlement_id:
            raise PayoutFormatError(
                f"settlement id {row_settlement} differs from the summary's {settlement_id}", line=number
            )
        transaction, order_id = fields[transaction_at].strip(), fields[order_at].strip()
        amount_type, description = fields[type_at].strip(), fields[description_at].strip()
        amount = fields[amount_at].strip()
        order_transaction, is_refund = transaction_of(transaction, number)
        posted = ""
        for position in posted_at:
            if posted := fields[position].strip():
                break
        quantity = fields[quantity_at].strip() if quantity_at is not None else ""
        yield SettlementLine(
            line_number=number,
            category=category_of((amount_type, description), number),
            order_ref=order_id if order_id and (order_transaction or is_order_id(order_id)) else "",
            amount=amount_of(amount, number) if amount else zero,
            transaction_type=transaction,
            amount_type=amount_type,
            description=description,
            is_refund=is_refund,
            posted_at=date_of(posted, number) if posted else None,
            sku=fields[sku_at].strip() if sku_at is not None else "",
            quantity=int(quantity) if quantity.isascii() and quantity.isdigit() and len(quantity) <= 9 else None,
            content=text,
        )


def _memo(function: Callable[[Any, int], Any], size: int = 4096) -> Callable[[Any, int], Any]:
    """``function(value, line number)``, computed once per value (at most ``size`` kept at a time).

    Only results are kept: a value that raises raises again, naming its own line.
    """
    results: dict[Any, Any] = {}

    def lookup(value: Any, number: int) -> Any:
        try:
            return results[value]
        except KeyError:
            result = function(value, number)
            if len(results) >= size:
                results.clear()
            results[value] = result
            return result

    return lookup


def _category(kinds: tuple[str, str], number: int) -> str:
    return classify(*kinds)


def _transaction_kind(transaction: str, number: int) -> tuple[bool, bool]:
    """(rows of this transaction type belong to an order, they are a refund to the buyer)."""
    lowered = transaction.lower()
    return lowered in ORDER_TRANSACTIONS, "refund" in lowered


def _decoded_lines(fileobj: BinaryIO) -> Iterator[tuple[int, str, bool]]:
    """``(line number, text without line end, whether the line had an end)``, decoded one by one."""
    for number, raw in enumerate(fileobj, start=1):
        ended = raw.endswith(b"\n")
        raw = raw.rstrip(b"\r\n")
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:
            # no text file of Amazon's holds NUL bytes (and the database cannot store them)
            hint = ""
            if number == 1:
                hint = ": it is still gzip-compressed" if raw.startswith(b"\x1f\x8b") else ": is it UTF-16?"
            raise PayoutFormatError(f"a NUL byte: not a text file{hint}", line=number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        yield number, text, ended


def _summary(row: dict[str, str], number: int) -> PayoutSummary:
    if not row["settlement-id"] or not row["total-amount"] or row["transaction-type"]:
        raise PayoutFormatError(
            "the first row must be the settlement summary (id, dates, total)", line=number
        )
    currency = row["currency"].upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise PayoutFormatError(f"currency {row['currency']!r} is not an ISO code", line=number)
    if len(row["settlement-id"]) > 64 or not row["settlement-id"].isprintable():
        raise PayoutFormatError(f"settlement id {row['settlement-id'][:70]!r} is not an id", line=number)
    return PayoutSummary(
        settlement_id=row["settlement-id"],
        currency=currency,
        total_amount=parse_amount(row["total-amount"], number),
        deposit_date=parse_date(row["deposit-date"], number),
        period_start=parse_date(row["settlement-start-date"], number)
        if row["settlement-start-date"]
        else None,
        period_end=parse_date(row["settlement-end-date"], number) if row["settlement-end-date"] else None,
    )


def classify(amount_type: str, description: str) -> str:
    """The category of an amount (see ``LineCategory``) from Amazon's amount type and description."""
    kind, what = amount_type.strip().lower(), description.strip().lower().replace(" ", "")
    if kind == "itemprice":
        if what in TAX_DESCRIPTIONS or what.endswith("tax"):
            return "tax"
        return "shipping" if what in {"shipping", "shippingcharge"} else "principal"
    if kind == "promotion":
        return "promotion"
    if "reserve" in what:
        return "reserve"
    if "fee" in kind or "fee" in what or "commission" in what:
        return "fee"
    return "other"


def parse_amount(text: str, number: int | None = None) -> Decimal:
    """``1141,18``, ``5.05``, ``-1.234,56``, ``1,234.56`` → Decimal; the last separator is the decimal one."""
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PayoutFormatError(f"{text!r} is not an amount", line=number) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise PayoutFormatError(f"{text!r} is not an amount in cents", line=number)
    if abs(amount) >= MAX_AMOUNT:
        raise PayoutFormatError(f"{text!r} is out of range", line=number)
    return amount.quantize(Decimal("0.01"))


#: amounts are stored with 14 digits, 2 after the point
MAX_AMOUNT = Decimal("1000000000000")


DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S %Z",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
    "%m/%d/%y",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S",
)


def parse_date(text: str, number: int | None = None) -> dt.datetime:
    """One of Amazon's date formats → an aware datetime in UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    value = re.sub(r"([+-]\d{2}):(\d{2})$", r"\1\2", value) if "T" in value else value
    for pattern in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, pattern)  # noqa: DTZ007 - made aware below
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:  # 0001-01-01 with a positive offset lies before year 1 in UTC
            break
    raise PayoutFormatError(f"{text!r} is not a date", line=number)

import datetime as dt
import io
from decimal import Decimal

import pytest

from orderpilot.payments.base import PayoutFormatError, PayoutSummary, SettlementLine
from orderpilot.payments.importers.amazon_settlement import (
    COLUMNS,
    parse_amount,
    parse_date,
    parse_settlement,
)

from .conftest import amount_row, settlement_file

SUMMARY = {
    "settlement-id": "11946237041",
    "settlement-start-date": "2026-11-14 07:49:55 UTC",
    "settlement-end-date": "28.11.2026 07:49:55 UTC",
    "deposit-date": "30.11.2026 07:49:55 UTC",
    "total-amount": "1.141,18",
    "currency": "EUR",
}


def test_summary_and_lines_with_both_decimal_marks_and_date_formats():
    # given a file mixing 5,05 and 5.05, German and ISO dates, and rows that belong to no order
    data = settlement_file(
        SUMMARY,
        [
            amount_row(
                "302-1234567-1234567", "Order", "ItemPrice", "Principal", "1141,18", posted="20.11.2026"
            ),
            amount_row(
                "302-1234567-1234567",
                "Order",
                "ItemFees",
                "Commission",
                "-5.05",
                **{
                    "posted-date-time": "2026-11-20T08:01:02+00:00",
                    "sku": "MUG-01",
                    "quantity-purchased": "2",
                },
            ),
            amount_row(
                "", "other-transaction", "other-transaction", "Subscription Fee", "-39,00", posted="11/21/26"
            ),
            amount_row("Storage", "other-transaction", "other-transaction", "Storage Fee", "5.05"),
        ],
    )
    # when
    items = list(parse_settlement(io.BytesIO(data)))
    # then
    assert items[0] == PayoutSummary(
        settlement_id="11946237041",
        currency="EUR",
        total_amount=Decimal("1141.18"),
        deposit_date=dt.datetime(2026, 11, 30, 7, 49, 55, tzinfo=dt.UTC),
        period_start=dt.datetime(2026, 11, 14, 7, 49, 55, tzinfo=dt.UTC),
        period_end=dt.datetime(2026, 11, 28, 7, 49, 55, tzinfo=dt.UTC),
    )
    lines = items[1:]
    assert all(isinstance(line, SettlementLine) for line in lines)
    assert [(ln.line_number, ln.category, ln.order_ref, ln.amount, ln.is_refund) for ln in lines] == [
        (3, "principal", "302-1234567-1234567", Decimal("1141.18"), False),
        (4, "fee", "302-1234567-1234567", Decimal("-5.05"), False),
        (5, "fee", "", Decimal("-39.00"), False),
        (6, "fee", "", Decimal("5.05"), False),  # "Storage" is no Amazon order id
    ]
    assert [ln.posted_at for ln in lines] == [
        dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, 8, 1, 2, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 21, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    ]
    assert (lines[1].sku, lines[1].quantity) == ("MUG-01", 2)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("5,05", "5.05"),
        ("5.05", "5.05"),
        ("-1.234,56", "-1234.56"),
        ("1,234.56", "1234.56"),
        ("0", "0.00"),
        ("12", "12.00"),
        ("-0,5", "-0.50"),
    ],
)
def test_amounts(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "5.055", ""])
def test_bad_amounts_are_refused(text):
    with pytest.raises(PayoutFormatError):
        parse_amount(text, 7)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-14 07:49:55 UTC",
        "14.11.2026 07:49:55 UTC",
        "2026-11-14T07:49:55+00:00",
        "2026-11-14T08:49:55+01:00",
        "2026-11-14T07:49:55Z",
    ],
)
def test_dates_are_utc(text):
    assert parse_date(text) == dt.datetime(2026, 11, 14, 7, 49, 55, tzinfo=dt.UTC)


def test_windows_1252_file_and_utf8_bom_are_read():
    # given the same row once in cp1252 and once in UTF-8 with a BOM
    rows = [amount_row("302-1234567-1234567", "Order", "ItemFees", "Lagergebühr", "-1,00")]
    cp1252 = settlement_file(SUMMARY, rows, encoding="cp1252")
    utf8 = b"\xef\xbb\xbf" + settlement_file(SUMMARY, rows)
    # when
    from_cp1252 = list(parse_settlement(io.BytesIO(cp1252)))
    from_utf8 = list(parse_settlement(io.BytesIO(utf8)))
    # then
    assert from_cp1252[1].description == from_utf8[1].description == "Lagergebühr"
    assert from_cp1252[0] == from_utf8[0]


def test_missing_columns_are_named():
    header = "\t".join(c for c in COLUMNS if c not in ("amount", "order-id"))
    with pytest.raises(PayoutFormatError, match=r"line 1: .*missing column\(s\) order-id, amount"):
        list(parse_settlement(io.BytesIO(header.encode() + b"\n")))


def test_truncated_file_is_refused():
    # given a file cut off in the middle of its last row
    data = settlement_file(
        SUMMARY, [amount_row("302-1234567-1234567", "Order", "ItemPrice", "Principal", "9,99")]
    )
    truncated = data[: data.rindex(b"\t9,99") - 30]
    # when / then
    with pytest.raises(PayoutFormatError, match="line 3: the file is truncated"):
        list(parse_settlement(io.BytesIO(truncated)))


def test_a_row_with_missing_fields_is_refused():
    data = settlement_file(SUMMARY, []) + b"11946237041\tOrder\n" + b"\t" * 5 + b"\n"
    with pytest.raises(PayoutFormatError, match="line 3: 2 fields, the header has 24"):
        list(parse_settlement(io.BytesIO(data)))


def test_first_row_must_be_the_summary():
    data = settlement_file(amount_row("302-1234567-1234567", "Order", "ItemPrice", "Principal", "1,00"), [])
    with pytest.raises(PayoutFormatError, match="line 2: the first row must be the settlement summary"):
        list(parse_settlement(io.BytesIO(data)))


def test_empty_file_is_refused():
    with pytest.raises(PayoutFormatError, match="empty"):
        list(parse_settlement(io.BytesIO(b"")))


def test_parser_streams_without_reading_the_whole_file():
    # given a "file" that never ends
    def endless():
        yield "\t".join(COLUMNS).encode() + b"\n"
        yield settlement_file(SUMMARY, []).split(b"\n")[1] + b"\n"
        row = settlement_file(
            SUMMARY, [amount_row("302-1234567-1234567", "Order", "ItemPrice", "Tax", "0,19")]
        )
        while True:
            yield row.split(b"\n")[2] + b"\n"

    # when
    items = parse_settlement(endless())
    first = [next(items) for _ in range(1001)]
    # then it yields as it reads
    assert first[0].settlement_id == "11946237041"
    assert {(item.category, item.amount) for item in first[1:]} == {("tax", Decimal("0.19"))}
    assert first[-1].line_number == 1002

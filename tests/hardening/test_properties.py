"""Property-based tests of the parsers and normalisers that read data from outside: whatever comes in,
they return a value the rest of the system can store, or raise their own error with a message, and
nothing else. Bounded for the normal run; ``tests/hardening/fuzz_parsers.py`` runs them for longer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orderpilot.channels.amazon.mapping import map_orders
from orderpilot.channels.validation import UnacceptableOrder, check_channel_order
from orderpilot.core.configuration.durations import MAX_SECONDS, format_duration, parse_duration
from orderpilot.core.spreadsheet import FORMULA_PREFIXES, neutralise_cell
from orderpilot.customers.matching import MAX_KEY, address_key, email_key, text_key
from orderpilot.customers.privacy import ANONYMISED, collect_pii_values, strip_pii
from orderpilot.payments.base import PayoutFormatError, PayoutSummary, SettlementLine
from orderpilot.payments.importers.amazon_settlement import COLUMNS, parse_amount, parse_date, parse_settlement
from orderpilot.shipping.remote import is_safe_name
from orderpilot.shipping.return_channels.parsing import (
    UnreadableConfirmation,
    parse_confirmation_csv,
    parse_confirmation_xml,
)

BOUNDED = settings(max_examples=150, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

#: text as outside systems send it: any Unicode, control characters, NUL and the format's separators
HOSTILE_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("\x00\t\r\n;,\"'=+-@<>&"), max_size=40)
NUMBER = re.compile(r"[+-]?(?:[0-9][0-9.,]*|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


# --- settlement files ----------------------------------------------------------------------------------


def _settlement(rows: list[dict[str, str]]) -> bytes:
    lines = ["\t".join(COLUMNS)] + ["\t".join(row.get(c, "") for c in COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


FIELD = st.text(st.characters(codec="utf-8", exclude_characters="\t\n\r"), max_size=25)
SETTLEMENT_ROW = st.fixed_dictionaries(dict.fromkeys(COLUMNS, FIELD))


def _check_parsed(items: list) -> None:
    """What the parser yields is storable: finite cents in range, short ids, no NUL, UTC times."""
    summary, lines = items[0], items[1:]
    assert isinstance(summary, PayoutSummary)
    assert 0 < len(summary.settlement_id) <= 64
    assert "\x00" not in summary.settlement_id
    assert re.fullmatch(r"[A-Z]{3}", summary.currency)
    for amount in [summary.total_amount, *(line.amount for line in lines)]:
        assert amount.is_finite()
        assert abs(amount) < Decimal("1e12")
        assert amount.as_tuple().exponent == -2
    for when in [summary.deposit_date, summary.period_start, summary.period_end,
                 *(line.posted_at for line in lines)]:
        assert when is None or when.utcoffset() == dt.timedelta(0)
    for line in lines:
        assert isinstance(line, SettlementLine)
        assert line.quantity is None or 0 <= line.quantity < 10**9
        assert "\x00" not in line.content


def attempt(function, *args, refused_by: type[Exception]):
    """``(result, "")``, or ``(None, the message)`` when ``function`` raises ``refused_by``."""
    try:
        return function(*args), ""
    except refused_by as error:
        return None, str(error) or repr(error)


def _settle(data: bytes) -> list:
    return list(parse_settlement(io.BytesIO(data)))


@BOUNDED
@given(st.binary(max_size=2000))
def test_settlement_parser_takes_any_bytes(data):
    items, refused = attempt(_settle, data, refused_by=PayoutFormatError)
    if not refused:
        _check_parsed(items)


@BOUNDED
@given(st.lists(SETTLEMENT_ROW, min_size=1, max_size=5), st.sampled_from(["utf-8", "cp1252"]))
def test_settlement_parser_takes_any_field_values(rows, encoding):
    data = _settlement(rows)
    if encoding == "cp1252":
        data = data.decode("utf-8", "surrogatepass").encode("cp1252", "replace")
    items, refused = attempt(_settle, data, refused_by=PayoutFormatError)
    if not refused:
        _check_parsed(items)


@BOUNDED
@given(st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2))
def test_amounts_read_back_in_every_notation(amount):
    plain = f"{amount:.2f}"
    german = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    english = f"{amount:,.2f}"
    for text in (plain, plain.replace(".", ","), german, english):
        assert parse_amount(text) == amount, text


@BOUNDED
@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31))  # noqa: DTZ001
       .map(lambda d: d.replace(microsecond=0, tzinfo=dt.UTC)))
def test_dates_read_back_in_every_notation(when):
    for text in (when.strftime("%Y-%m-%d %H:%M:%S UTC"), when.strftime("%d.%m.%Y %H:%M:%S UTC"),
                 when.strftime("%Y-%m-%dT%H:%M:%S+00:00"), when.isoformat().replace("+00:00", "Z")):
        assert parse_date(text) == when, text


@BOUNDED
@given(st.text(max_size=60))
def test_amount_and_date_parsers_raise_only_their_own_error(text):
    for parse in (parse_amount, parse_date):
        try:
            parse(text)
        except PayoutFormatError:
            pass


# --- confirmation files --------------------------------------------------------------------------------

TRACKING = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{7,30}", fullmatch=True)
DELIVERY_NOTE = st.from_regex(r"LS-20[0-9]{2}-[0-9]{6}", fullmatch=True)


@BOUNDED
@given(st.binary(max_size=3000))
def test_confirmation_parsers_take_any_bytes(data):
    for parse in (parse_confirmation_csv, parse_confirmation_xml):
        confirmations, refused = attempt(parse, data, refused_by=UnreadableConfirmation)
        if refused:
            continue
        assert confirmations
        for confirmation in confirmations:
            assert re.fullmatch(r"[A-Za-z0-9 ._/-]{1,64}", confirmation.tracking_number)
            assert confirmation.shipment or confirmation.order
            assert all(quantity > 0 for quantity in confirmation.lines.values())


@BOUNDED
@given(st.lists(st.tuples(DELIVERY_NOTE, TRACKING, HOSTILE_TEXT), min_size=1, max_size=8),
       st.sampled_from([";", ",", "\t", "|"]))
def test_a_csv_confirmation_reads_back_what_was_written(rows, delimiter):
    assume(all("\x00" not in carrier for _, _, carrier in rows))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["delivery_note", "tracking_number", "carrier"])
    writer.writerows(rows)
    try:
        confirmations = parse_confirmation_csv(buffer.getvalue().encode("utf-8", "surrogatepass"), delimiter=delimiter)
    except UnreadableConfirmation:
        assume(False)  # e.g. a carrier text that is itself an unbalanced quote for the sniffed dialect
        return
    expected = {(note, tracking) for note, tracking, _ in rows}
    assert {(c.shipment, c.tracking_number) for c in confirmations} == expected


@BOUNDED
@given(st.lists(st.tuples(DELIVERY_NOTE, TRACKING, HOSTILE_TEXT), min_size=1, max_size=8))
def test_an_xml_confirmation_reads_back_what_was_written(rows):
    def text(value: str) -> str:  # XML 1.0 cannot carry most control characters at all
        return escape("".join(c for c in value if c in "\t\n" or (ord(c) >= 0x20 and c not in "\ufffe\uffff")
                              and not 0xD800 <= ord(c) <= 0xDFFF))

    body = "".join(
        f"<confirmation><deliveryNote>{note}</deliveryNote><trackingNumber>{tracking}</trackingNumber>"
        f"<carrier>{text(carrier)}</carrier></confirmation>"
        for note, tracking, carrier in rows
    )
    confirmations = parse_confirmation_xml(f"<confirmations>{body}</confirmations>".encode())
    assert {(c.shipment, c.tracking_number) for c in confirmations} == {(n, t) for n, t, _ in rows}


# --- Amazon orders ---------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=25,
)
KEYS = ["orderId", "createdTime", "lastUpdatedTime", "fulfillment", "orderItems", "proceeds", "buyer", "recipient",
        "salesChannel", "programs", "associatedOrders"]
ORDERISH = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=len(KEYS))


@BOUNDED
@given(st.lists(JSON | ORDERISH, max_size=5))
def test_the_amazon_mapping_never_raises_and_accounts_for_every_order(raws):
    orders, rejected = map_orders(raws)
    assert len(orders) + len(rejected) == len(raws)
    assert all(r.problem for r in rejected)
    for order in orders:  # what it maps is either stored or refused with a message, never a crash
        attempt(check_channel_order, order, refused_by=UnacceptableOrder)


MONEY = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


@BOUNDED
@given(
    order_id=st.from_regex(r"[0-9]{3}-[0-9]{7}-[0-9]{7}", fullmatch=True),
    items=st.lists(st.tuples(st.integers(1, 50), MONEY, HOSTILE_TEXT), min_size=1, max_size=5),
    status=st.sampled_from(["UNSHIPPED", "PENDING", "SHIPPED", "CANCELLED", "PARTIALLY_SHIPPED"]),
    name=HOSTILE_TEXT,
)
def test_a_wellformed_amazon_order_maps_exactly(order_id, items, status, name):
    raw = {
        "orderId": order_id,
        "createdTime": "2026-11-27T10:00:00Z",
        "lastUpdatedTime": "2026-11-27T10:05:00Z",
        "fulfillment": {"fulfillmentStatus": status},
        "buyer": {"buyerName": name},
        "orderItems": [
            {"orderItemId": str(n), "quantityOrdered": quantity,
             "product": {"sellerSku": f"SKU-{n}", "title": title,
                         "price": {"unitPrice": {"amount": str(price), "currencyCode": "EUR"}}}}
            for n, (quantity, price, title) in enumerate(items)
        ],
    }
    [order], rejected = map_orders([raw])
    assert rejected == ()
    assert order.external_id == order_id
    assert [(line.quantity, line.unit_price) for line in order.lines] == [(q, p) for q, p, _ in items]
    assert order.awaiting_marketplace == (status == "PENDING")
    assert order.cancelled == (status == "CANCELLED")


# --- customer matching -----------------------------------------------------------------------------------


@BOUNDED
@given(st.text(max_size=80))
def test_email_key_is_idempotent_and_blind_to_case_and_spaces(email):
    key = email_key(email)
    assert email_key(key) == key
    assert key == "" or "@" in key
    ascii_email = email.encode("ascii", "ignore").decode()
    assert email_key(f"  {ascii_email.upper()}\t") == email_key(ascii_email)


@BOUNDED
@given(st.text(max_size=80))
def test_text_key_is_idempotent_and_plain(text):
    key = text_key(text)
    assert re.fullmatch(r"[a-z0-9]*", key)
    assert text_key(key) == key
    assert text_key(f" {text.upper()} ") == text_key(f" {text.upper()} ".lower())


@given(st.sampled_from(["Straße", "strasse", "Str.", "STR", "str"]), st.sampled_from(["Straße", "strasse", "Str."]))
@BOUNDED
def test_street_spellings_fold_to_one_key(a, b):
    assert text_key(f"Heide{a} 17") == text_key(f"Heide{b} 17")


#: letters that folding lengthens (ä → ae, ß → ss), so that keys near and over the column's length occur
FOLDING = st.sampled_from("aäöüßeinrstAÄÖÜ0123456789 -.")


def _address_part(limit: int):
    return (st.text(max_size=limit) | st.text(FOLDING, min_size=limit // 2, max_size=limit)
            | st.text(st.sampled_from("äöüßa"), min_size=limit, max_size=limit))


@BOUNDED
@given(*(_address_part(limit) for limit in (200, 200, 16, 100)), st.text(max_size=2))
def test_address_key_always_fits_its_column(name, street, postal_code, city, country):
    key = address_key(name=name, street=street, postal_code=postal_code, city=city, country=country)
    assert len(key) <= MAX_KEY
    assert key == address_key(name=name, street=street, postal_code=postal_code, city=city, country=country)


# --- durations, spreadsheet cells, file names, personal data ------------------------------------------------


@BOUNDED
@given(st.integers(0, MAX_SECONDS))
def test_durations_read_back(seconds):
    assert parse_duration(format_duration(seconds)) == seconds
    assert parse_duration(str(seconds)) == seconds


@BOUNDED
@given(st.text(max_size=40) | st.integers() | st.floats() | st.booleans() | st.none())
def test_a_duration_is_seconds_in_range_or_a_value_error(value):
    seconds, refused = attempt(parse_duration, value, refused_by=ValueError)
    if not refused:
        assert isinstance(seconds, int)
        assert 0 <= seconds <= MAX_SECONDS


@BOUNDED
@given(HOSTILE_TEXT | st.text(max_size=40) | st.integers() | st.decimals(allow_nan=False))
def test_a_neutralised_cell_never_starts_a_formula(value):
    cell = neutralise_cell(value)
    assert not cell.startswith(FORMULA_PREFIXES) or NUMBER.fullmatch(cell)
    text = "" if value is None else str(value)
    assert cell in (text, "'" + text)


@BOUNDED
@given(st.text(max_size=250))
def test_a_safe_file_name_never_leaves_its_folder(name):
    if is_safe_name(name):
        assert "/" not in name
        assert "\\" not in name
        assert ".." not in name
        assert not name.startswith((".", "-"))
        assert name.isprintable()
        assert name.isascii()
        assert 0 < len(name) <= 200


@BOUNDED
@given(JSON)
def test_stripping_personal_data_leaves_none_under_a_personal_key(value):
    stripped = strip_pii(value)
    assert collect_pii_values(stripped) <= {ANONYMISED}
    json.dumps(stripped)  # still JSON
    assert strip_pii(stripped) == stripped


@pytest.mark.parametrize("key", ["buyerEmail", "BuyerName", "shipTo", "fullName", "primaryPhone", "street_address",
                                 "giftMessage", "buyerCheckoutNotes", "customizedUrl", "postalCode", "comment"])
def test_the_personal_keys_of_every_channel_are_known(key):
    assert strip_pii({key: "x"}) == {key: ANONYMISED}

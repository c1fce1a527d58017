"""What an incoming order must satisfy before it is stored: types, lengths and ranges the database
and the steps after import rely on. Pure: no database, no I/O.

A connector maps the channel's wire format to a :class:`~orderpilot.channels.base.ChannelOrder`;
whatever it lets through (a SKU that is an object, a total of ``NaN``, a 100,000-character buyer
name, a NUL byte that PostgreSQL cannot store, a quantity of 10¹²) is refused here with a message
naming the field, so the order is recorded with a ticket instead of crashing the poll or being
stored half. Display-only text (a line's title) is clipped on import instead.

The settings of a channel whose meaning OrderPilot defines (``invoice_delivery``) are checked here too
(:func:`channel_settings_problems`), so a wrong value is named instead of silently doing nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any

from orderpilot.core.exceptions import ConfigurationError, TerminalError

from .base import Buyer, ChannelOrder, PostalAddress

#: an order id as it appears in file names, exports and the API: starts with a letter or digit
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/#+-]{0,63}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
#: amounts are stored with 14 digits, 2 after the point
MAX_AMOUNT = Decimal("1000000000000")
MAX_QUANTITY = 1_000_000
MAX_LINES = 1_000
#: buyer note, gift message: a person reads them; nobody writes more
MAX_NOTE = 20_000
#: the raw payload kept for audit, as JSON
MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40

ADDRESS_LIMITS = {
    "name": 200,
    "company": 200,
    "street": 200,
    "address2": 200,
    "postal_code": 16,
    "city": 100,
    "country": 2,
    "phone": 64,
}
BUYER_LIMITS = {"email": 254, "name": 200, "company": 200, "vat_id": 32, "phone": 64, "external_id": 64}


class UnacceptableOrder(TerminalError):
    """The order cannot be stored as the channel sent it; the message names every bad field."""


def check_channel_order(order: ChannelOrder) -> None:
    """Raise :class:`UnacceptableOrder` listing every problem of ``order``; return if there is none."""
    problems: list[str] = []
    _external_id(problems, order.external_id)
    _text(problems, "marketplace_status", order.marketplace_status, 32)
    for name in ("ordered_at", "updated_at"):
        value = getattr(order, name)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            problems.append(f"{name} must be a time with a time zone, got {value!r}")
    if order.ship_by is not None and (not isinstance(order.ship_by, dt.datetime) or order.ship_by.tzinfo is None):
        problems.append(f"ship_by must be a time with a time zone, got {order.ship_by!r}")
    if not isinstance(order.currency, str) or not CURRENCY.match(order.currency):
        problems.append(f"currency {order.currency!r} is not an ISO 4217 code")
    _amount(problems, "total_gross", order.total_gross)
    _amount(problems, "shipping_gross", order.shipping_gross)
    _text(problems, "service_level", order.service_level, 16)
    if order.service_level not in ("standard", "express"):
        problems.append(f"service_level {order.service_level!r} is neither standard nor express")
    _text(problems, "payment_method", order.payment_method, 32)
    _text(problems, "language", order.language, 8)
    _text(problems, "buyer_note", order.buyer_note, MAX_NOTE)
    _text(problems, "gift_message", order.gift_message, MAX_NOTE)
    _lines(problems, order)
    if not isinstance(order.buyer, Buyer):
        problems.append("buyer is missing")
    else:
        for name, limit in BUYER_LIMITS.items():
            _text(problems, f"buyer.{name}", getattr(order.buyer, name), limit)
    for label, address in (("shipping_address", order.shipping_address), ("billing_address", order.billing_address)):
        if address is None and label == "billing_address":
            continue
        if not isinstance(address, PostalAddress):
            problems.append(f"{label} is not an address")
            continue
        for name, limit in ADDRESS_LIMITS.items():
            _text(problems, f"{label}.{name}", getattr(address, name), limit)
        if isinstance(address.country, str) and address.country and not COUNTRY.match(address.country):
            problems.append(f"{label}.country {_short(address.country)} is not a two-letter country code")
    _payload(problems, order.raw)
    if problems:
        more = f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise UnacceptableOrder("; ".join(problems[:20]) + more)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _external_id(problems: list[str], value: Any) -> None:
    if not isinstance(value, str) or not value:
        problems.append(f"the order id must be non-empty text, got {_short(value)}")
    elif not EXTERNAL_ID.match(value):
        problems.append(
            f"the order id {_short(value)} must be 1 to 64 letters, digits or . _ - : / # + (starting with a"
            " letter or digit)"
        )


def _text(problems: list[str], name: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        problems.append(f"{name} must be text, got {type(value).__name__}")
        return
    if len(value) > limit:
        problems.append(f"{name} has {len(value)} characters, at most {limit} are allowed")
    problem = text_problem(value)
    if problem:
        problems.append(f"{name} {problem}")


def text_problem(value: str) -> str:
    """Why ``value`` cannot be stored in every supported database, or ``""``."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return ""


def _amount(problems: list[str], name: str, value: Any, *, signed: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        problems.append(f"{name} must be a decimal amount, got {_short(value)}")
        return
    value = Decimal(value)
    if not value.is_finite():
        problems.append(f"{name} {value} is not a finite amount")
    elif abs(value) >= MAX_AMOUNT or (not signed and value < 0):
        problems.append(f"{name} {value} is out of range (0 to {MAX_AMOUNT})")


def _lines(problems: list[str], order: ChannelOrder) -> None:
    lines = order.lines
    if not isinstance(lines, tuple | list):
        problems.append("lines must be a list")
        return
    if len(lines) > MAX_LINES:
        problems.append(f"{len(lines)} lines, at most {MAX_LINES} are allowed")
        return
    for number, line in enumerate(lines, start=1):
        where = f"lines[{number}]"
        _text(problems, f"{where}.external_line_id", line.external_line_id, 64)
        _text(problems, f"{where}.sku", line.sku, 64)
        if isinstance(line.sku, str) and not line.sku.strip():
            problems.append(f"{where}.sku is empty")
        if not isinstance(line.title, str):
            problems.append(f"{where}.title must be text, got {type(line.title).__name__}")
        elif text_problem(line.title):
            problems.append(f"{where}.title {text_problem(line.title)}")
        quantity = line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            problems.append(f"{where}.quantity must be a whole number from 1 to {MAX_QUANTITY}, got {_short(quantity)}")
        _amount(problems, f"{where}.unit_price", line.unit_price)
        _amount(problems, f"{where}.discount", line.discount, signed=True)
        rate = line.tax_rate
        if isinstance(rate, bool) or not isinstance(rate, Decimal | int) or not Decimal(rate).is_finite():
            problems.append(f"{where}.tax_rate must be a percentage, got {_short(rate)}")
        elif not 0 <= rate < 100:
            problems.append(f"{where}.tax_rate {rate} is not between 0 and 100")
        if not isinstance(line.customization, dict):
            problems.append(f"{where}.customization must be an object")


def _payload(problems: list[str], raw: Any) -> None:
    if not isinstance(raw, dict):
        problems.append("the raw payload must be an object")
        return
    problem = _json_problem(raw, depth=0)
    if problem:
        problems.append(f"the raw payload {problem}")
        return
    size = len(json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        problems.append(f"the raw payload has {size} bytes, at most {MAX_PAYLOAD_BYTES} are kept")


def _json_problem(value: Any, *, depth: int) -> str:
    """A reason ``value`` cannot be kept as JSON in every database (nesting, NUL, surrogates)."""
    if depth > MAX_DEPTH:
        return f"is nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        problem = text_problem(value)
        return f"has a text that {problem}" if problem else ""
    if isinstance(value, float) and not math.isfinite(value):
        return "holds a number that is not finite"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _json_problem(str(key), depth=depth + 1) or _json_problem(item, depth=depth + 1)
            if problem:
                return problem
    elif isinstance(value, list | tuple):
        for item in value:
            problem = _json_problem(item, depth=depth + 1)
            if problem:
                return problem
    return ""


# --- channel settings ---------------------------------------------------------------------------

#: How an Amazon channel hands an invoice to Amazon (``settings.invoice_delivery``): the
#: ``UPLOAD_VAT_INVOICE`` feed (the default), or a Messaging ``sendInvoice`` message to the buyer.
INVOICE_DELIVERY_FEED = "feed"
INVOICE_DELIVERY_MESSAGING = "messaging"
INVOICE_DELIVERIES = (INVOICE_DELIVERY_FEED, INVOICE_DELIVERY_MESSAGING)


def channel_settings_problems(kind: str, settings: Any) -> list[str]:
    """What is wrong with the settings of a channel of ``kind`` (``[]``: nothing), each naming the key.

    Checks the keys whose meaning OrderPilot defines: ``invoice_delivery`` (Amazon channels only).
    """
    problems: list[str] = []
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        return [f"settings must be a table, got {type(settings).__name__}"]
    if "invoice_delivery" in settings:
        value = settings["invoice_delivery"]
        if kind != "amazon":
            problems.append(f"settings.invoice_delivery applies to Amazon channels only, not to {kind!r}")
        elif value not in INVOICE_DELIVERIES:
            problems.append(f'settings.invoice_delivery must be "feed" or "messaging", got {_short(value)}')
    return problems


def invoice_delivery(kind: str, settings: Any) -> str:
    """``"feed"`` or ``"messaging"`` for an Amazon channel's settings.

    :raises ConfigurationError: the settings hold another value (the message names the key).
    """
    problems = channel_settings_problems(kind, settings)
    if problems:
        raise ConfigurationError("; ".join(problems))
    return (settings or {}).get("invoice_delivery", INVOICE_DELIVERY_FEED)

"""A plain CSV of the same bookings, for accountants without DATEV.

UTF-8, comma separated, decimal point, one row per booking with signed amounts. Every text cell
goes through :func:`~orderpilot.core.spreadsheet.neutralise_cell`, so a customer called
``=HYPERLINK(…)`` stays text when the file is opened in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from orderpilot.core.spreadsheet import neutralise_cell

from .bookings import Booking

HEADER = (
    "date",
    "document_type",
    "document",
    "refers",
    "order",
    "channel",
    "customer",
    "country",
    "vat_id",
    "treatment",
    "category",
    "tax_rate",
    "net",
    "tax",
    "gross",
    "currency",
    "account",
    "contra_account",
    "side",
    "amount",
    "tax_key",
    "text",
)


def write_csv(bookings: Sequence[Booking]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for b in bookings:
        writer.writerow(
            [
                b.date.isoformat(),
                b.document_type,
                neutralise_cell(b.receipt if b.document_type in ("payment", "expense") else b.document_key),
                neutralise_cell(b.refers),
                neutralise_cell(b.order_number),
                neutralise_cell(b.channel),
                neutralise_cell(b.customer),
                neutralise_cell(b.country),
                neutralise_cell(b.vat_id),
                b.treatment,
                neutralise_cell(b.category),
                "" if b.tax_rate is None else f"{b.tax_rate:.2f}",
                f"{b.net:.2f}",
                f"{b.tax:.2f}",
                f"{b.gross:.2f}",
                b.currency,
                b.account,
                b.contra_account,
                b.side,
                f"{b.amount:.2f}",
                b.tax_key,
                neutralise_cell(b.text),
            ]
        )
    return buffer.getvalue().encode("utf-8")

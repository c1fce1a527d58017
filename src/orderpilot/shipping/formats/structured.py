"""JSON and CSV delivery documents."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from orderpilot.core.spreadsheet import neutralise_cell


class JsonFormat:
    extension = "json"
    media_type = "application/json"

    def render(self, data: dict[str, Any]) -> bytes:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()


class CsvFormat:
    """One row per line; the address repeated on each row, as most 3PL imports expect."""

    extension = "csv"
    media_type = "text/csv"
    columns = (
        "delivery_note", "order", "service", "cash_on_delivery", "name", "company", "street", "address2",
        "postal_code", "city", "country", "sku", "title", "quantity", "weight_g",
    )

    def render(self, data: dict[str, Any]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(self.columns)
        address = data["shipping_address"]
        for line in data["lines"]:
            row = {
                "delivery_note": data["delivery_note"],
                "order": data["order"],
                "service": data["service"],
                "cash_on_delivery": "1" if data["cash_on_delivery"] else "0",
                **{k: address.get(k, "") for k in ("name", "company", "street", "address2", "postal_code", "city", "country")},
                **line,
            }
            writer.writerow([neutralise_cell(row.get(c, "")) for c in self.columns])
        return buffer.getvalue().encode("utf-8")

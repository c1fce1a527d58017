"""Delivery document formats, by name."""

FORMATS: dict[str, str] = {
    "json": "orderpilot.shipping.formats.structured.JsonFormat",
    "csv": "orderpilot.shipping.formats.structured.CsvFormat",
}

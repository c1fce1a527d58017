"""Delivery document formats, by the name a shipper's ``format`` setting uses."""

FORMATS: dict[str, str] = {
    "json": "orderpilot.shipping.formats.textual.JsonFormat",
    "csv": "orderpilot.shipping.formats.textual.CsvFormat",
    "xml": "orderpilot.shipping.formats.textual.XmlFormat",
    "text": "orderpilot.shipping.formats.textual.TextFormat",
    "pdf": "orderpilot.shipping.formats.pdf.PdfFormat",
}

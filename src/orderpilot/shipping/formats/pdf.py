"""The PDF delivery note / packing slip (ReportLab platypus).

The layout is fixed (sender, address window, lines with weights, service); a shipper's template adds
a free text under the lines. Output is byte-for-byte reproducible (``invariant``), so the same
delivery note renders to the same file.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .templating import render_template

TITLES = {
    "delivery_note": "Lieferschein / Delivery note",
    "packing_slip": "Packschein / Packing slip",
    "cancellation": "STORNO / Cancellation",
}
ADDRESS_KEYS = ("name", "company", "street", "address2")


class PdfFormat:
    name = "pdf"
    extension = "pdf"
    media_type = "application/pdf"

    def render(self, data: dict[str, Any], *, template: str = "", purpose: str = "delivery_note") -> bytes:
        styles = getSampleStyleSheet()
        normal, title = styles["Normal"], styles["Title"]
        story: list[Any] = []
        sender = data.get("sender") or ""
        if sender:
            story.append(Paragraph(_text(sender), styles["Italic"]))
        story.append(Paragraph(_text(f"{TITLES[purpose]} {data['delivery_note']}"), title))
        facts = [
            ["Auftrag / Order", f"{data['order']} ({data['channel']})"],
            ["Datum / Date", str(data.get("created_at", ""))[:10]],
            ["Versandart / Service", str(data["service"])],
            ["Versender / Carrier", str(data.get("carrier") or "")],
        ]
        if data.get("cash_on_delivery"):
            facts.append(["Nachnahme / Cash on delivery", f"{data['cod_amount']} {data['currency']}"])
        story.append(_table(facts, header=False))
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph("Lieferanschrift / Ship to", styles["Heading3"]))
        story.append(Paragraph(_address(data.get("shipping_address") or {}), normal))
        story.append(Spacer(1, 6 * mm))
        if purpose == "cancellation":
            stop = f"Bitte nicht versenden / Please do not ship: {data.get('reason', '')}"
            story.append(Paragraph(_text(stop), normal))
        else:
            rows = [["Pos.", "SKU", "Artikel / Item", "Menge / Qty", "Gewicht / Weight (g)"]]
            for position, line in enumerate(data["lines"], start=1):
                rows.append(
                    [
                        str(position),
                        Paragraph(_text(line["sku"]), normal),
                        Paragraph(_text(line.get("title") or ""), normal),
                        str(line["quantity"]),
                        str(line["weight_g"] * line["quantity"]),
                    ]
                )
            rows.append(["", "", "Gesamtgewicht / Total weight", "", str(data["weight_g"])])
            story.append(_table(rows, header=True, widths=[12 * mm, 35 * mm, 75 * mm, 22 * mm, 30 * mm]))
        note = render_template(template, data, format_name=self.name, purpose=purpose).strip()
        if note:
            story.append(Spacer(1, 6 * mm))
            for paragraph in note.split("\n\n"):
                story.append(Paragraph(_text(paragraph).replace("\n", "<br/>"), normal))
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=f"{TITLES[purpose]} {data['delivery_note']}",
            author=sender or "OrderPilot",
            invariant=1,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
        )
        document.build(story)
        return buffer.getvalue()


def _text(value: Any) -> str:
    """Text for a Paragraph: ReportLab parses a mini markup language, so everything is escaped."""
    return escape(str(value))


def _address(address: dict[str, Any]) -> str:
    lines = [str(address[k]) for k in ADDRESS_KEYS if address.get(k)]
    lines.append(f"{address.get('postal_code', '')} {address.get('city', '')}".strip())
    lines.append(str(address.get("country", "")))
    return "<br/>".join(_text(line) for line in lines if line)


def _table(rows: list[list[Any]], *, header: bool, widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ]
    table.setStyle(TableStyle(style))
    return table

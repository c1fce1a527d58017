"""The visible invoice: a ReportLab (platypus) PDF laid out by the merchant's template.

German and English labels side by side, every §14 Abs. 4 UStG item (seller with VAT ID and tax
number, buyer, dates, number, quantities and descriptions, net per rate, rate, VAT per rate,
gross). Only embedded TrueType fonts are used (``initialFontName`` keeps even the canvas default
off Helvetica), and ``invariant`` makes the output depend on the input only.
"""

from __future__ import annotations

import functools
import io
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..settings import InvoiceTemplate
from .data import InvoiceData

LEFT_MARGIN = 20 * mm
RIGHT_MARGIN = 15 * mm
TOP_MARGIN = 15 * mm
BOTTOM_MARGIN = 28 * mm
WIDTH = A4[0] - LEFT_MARGIN - RIGHT_MARGIN
DESCRIPTION_WIDTH = 70 * mm


@functools.cache
def _register(path: str) -> str:
    """Register a TrueType font once per process; returns its ReportLab name."""
    name = f"OP-{Path(path).stem}"
    pdfmetrics.registerFont(TTFont(name, path))
    return name


def format_amount(value: Decimal, currency: str = "EUR") -> str:
    """``1234.5`` → ``1.234,50 €`` (German notation)."""
    text = f"{value:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{text} €" if currency == "EUR" else f"{text} {currency}"


def format_quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def format_rate(value: Decimal) -> str:
    return f"{format_quantity(Decimal(value))} %"


def format_date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def render_invoice_pdf(data: InvoiceData, template: InvoiceTemplate) -> bytes:
    regular, bold = (_register(path) for path in template.fonts())
    text_colour = colors.HexColor(template.text_colour)
    accent = colors.HexColor(template.accent_colour)
    styles = _styles(regular, bold, text_colour, accent)
    buffer = io.BytesIO()
    title = _title(data)
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{title[0]} {data.number}",
        author=data.seller.get("name", ""),
        subject=f"{title[0]} {data.number}",
        creator="OrderPilot",
        producer="OrderPilot (ReportLab)",
        invariant=1,
        initialFontName=regular,
        lang="de-DE",
    )
    story = [*_header(data, template, styles), Spacer(1, 8 * mm)]
    story.append(Paragraph(f"{title[0]} / {title[1]} {escape(data.number)}", styles["title"]))
    if data.is_credit_note:
        story.append(
            Paragraph(
                f"zu Rechnung / for invoice {escape(data.refers_number)} vom / of "
                f"{format_date(data.refers_issued_on)}"
                + (f" – {escape(data.reason)}" if data.reason else ""),
                styles["normal"],
            )
        )
    story.append(Spacer(1, 4 * mm))
    texts = template.texts
    intro = (
        (texts.credit_intro_de, texts.credit_intro_en)
        if data.is_credit_note
        else (texts.intro_de, texts.intro_en)
    )
    story.append(Paragraph(f"{escape(intro[0])}<br/>{escape(intro[1])}", styles["normal"]))
    story.append(Spacer(1, 4 * mm))
    story.append(_lines_table(data, styles, accent))
    story.append(Spacer(1, 3 * mm))
    story.append(_totals_table(data, styles, accent))
    story.append(Spacer(1, 6 * mm))
    for note in data.notes:
        story.append(Paragraph(f"{escape(note['de'])}<br/>{escape(note['en'])}", styles["small"]))
        story.append(Spacer(1, 2 * mm))
    if not data.is_credit_note:
        story.append(
            Paragraph(f"{escape(texts.closing_de)}<br/>{escape(texts.closing_en)}", styles["normal"])
        )
    footer = [line.format_map(_Blank(data.seller)) for line in template.footer]
    on_page = functools.partial(
        _draw_footer, lines=footer, font=regular, colour=text_colour, number=data.number
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


class _Blank(dict):
    """Footer placeholders the company has not filled in print as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


def _title(data: InvoiceData) -> tuple[str, str]:
    if data.is_credit_note:
        return "Rechnungskorrektur", "Credit note"
    return "Rechnung", "Invoice"


def _styles(regular: str, bold: str, text, accent) -> dict[str, ParagraphStyle]:
    normal = ParagraphStyle("normal", fontName=regular, fontSize=9, leading=12, textColor=text)
    return {
        "normal": normal,
        "small": ParagraphStyle("small", parent=normal, fontSize=7.5, leading=9.5),
        "sender": ParagraphStyle("sender", parent=normal, fontSize=7, leading=9),
        "title": ParagraphStyle(
            "title", parent=normal, fontName=bold, fontSize=15, leading=19, textColor=accent
        ),
        "cell": ParagraphStyle("cell", parent=normal, fontSize=8.5, leading=11),
        "bold": ParagraphStyle("bold", parent=normal, fontName=bold),
    }


def _table_font(styles) -> list[tuple]:
    """Tables set a cell font before drawing even Paragraph cells: keep it an embedded one."""
    return [("FONT", (0, 0), (-1, -1), styles["normal"].fontName, 8)]


def _party_lines(party: dict) -> list[str]:
    lines = [
        party.get("company", ""),
        party.get("name", ""),
        party.get("street", ""),
        party.get("address2", ""),
    ]
    lines.append(f"{party.get('postal_code', '')} {party.get('city', '')}".strip())
    lines.append(party.get("country", ""))
    return [escape(line) for line in lines if line]


def _header(data: InvoiceData, template: InvoiceTemplate, styles) -> list:
    seller, buyer = data.seller, data.buyer
    sender = " · ".join(
        escape(part)
        for part in (
            seller.get("name"),
            seller.get("street"),
            f"{seller.get('postal_code', '')} {seller.get('city', '')}",
        )
        if part and part.strip()
    )
    buyer_block = [Paragraph(sender, styles["sender"]), Spacer(1, 2 * mm)]
    buyer_block.append(Paragraph("<br/>".join(_party_lines(buyer)), styles["normal"]))
    if buyer.get("vat_id"):
        buyer_block.append(Paragraph(f"USt-IdNr./VAT ID: {escape(buyer['vat_id'])}", styles["normal"]))
    meta = [
        ("Rechnungsnummer / Invoice no.", data.number),
        ("Rechnungsdatum / Invoice date", format_date(data.issued_on)),
        ("Lieferdatum / Delivery date", format_date(data.delivery_date)),
        ("Bestellnummer / Order no.", data.order_reference),
        ("Kundennummer / Customer no.", str(buyer.get("customer_number", ""))),
        ("USt-IdNr. / VAT ID", seller.get("vat_id", "")),
        ("Steuernummer / Tax no.", seller.get("tax_number", "")),
    ]
    meta_table = Table([[k, v] for k, v in meta if v], colWidths=[43 * mm, 39 * mm])
    meta_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), styles["normal"].fontName, 7),
                ("FONT", (1, 0), (1, -1), styles["normal"].fontName, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), styles["normal"].textColor),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    right: list = []
    if template.logo_path:
        logo = Image(template.logo_path)
        ratio = logo.imageHeight / logo.imageWidth
        logo.drawWidth = template.logo_width_mm * mm
        logo.drawHeight = template.logo_width_mm * mm * ratio
        logo.hAlign = "RIGHT"
        right += [logo, Spacer(1, 4 * mm)]
    right.append(meta_table)
    layout = Table([[buyer_block, right]], colWidths=[WIDTH - 82 * mm, 82 * mm])
    layout.setStyle(
        TableStyle(
            [*_table_font(styles), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
        )
    )
    return [layout]


def _lines_table(data: InvoiceData, styles, accent) -> Table:
    head = [
        "Pos.",
        "Beschreibung\nDescription",
        "Menge\nQty",
        "Einzelpreis netto\nUnit price net",
        "USt\nVAT",
        "Betrag netto\nNet amount",
    ]
    rows: list[list] = [head]
    regular, bold = styles["normal"].fontName, styles["bold"].fontName
    for line in data.lines:
        rows.append(
            [
                str(line.position),
                _description_cell(line, styles, regular),
                format_quantity(line.quantity),
                format_amount(line.unit_net.quantize(Decimal("0.01")), data.currency),
                format_rate(line.tax_rate),
                format_amount(line.net, data.currency),
            ]
        )
    table = Table(
        rows,
        colWidths=[10 * mm, DESCRIPTION_WIDTH, 16 * mm, 30 * mm, 18 * mm, WIDTH - 144 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), bold, 7.5),
                ("FONT", (0, 1), (-1, -1), regular, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("TEXTCOLOR", (0, 1), (-1, -1), styles["normal"].textColor),
                ("BACKGROUND", (0, 0), (-1, 0), accent),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
            ]
        )
    )
    return table


def _description_cell(line, styles, font: str):
    """Plain text where it fits the column (cheap to lay out), a wrapping Paragraph where not."""
    if stringWidth(line.description, font, 8.5) < DESCRIPTION_WIDTH - 6 and "\n" not in line.description:
        return f"{line.description}\n{line.sku}" if line.sku else line.description
    sku = f"<br/><font size=7>{escape(line.sku)}</font>" if line.sku else ""
    return Paragraph(escape(line.description) + sku, styles["cell"])


def _totals_table(data: InvoiceData, styles, accent) -> Table:
    currency = data.currency
    rows = [["Summe netto / Net total", format_amount(data.net_total, currency)]]
    for group in data.groups:
        if group.category == "S":
            label = f"USt / VAT {format_rate(group.rate)} auf / on {format_amount(group.net, currency)}"
        else:
            label = f"USt / VAT 0 % ({group.category}) auf / on {format_amount(group.net, currency)}"
        rows.append([label, format_amount(group.tax, currency)])
    rows.append(["Umsatzsteuer gesamt / Total VAT", format_amount(data.tax_total, currency)])
    rows.append(["Gesamtbetrag / Total amount", format_amount(data.gross_total, currency)])
    table = Table(rows, colWidths=[WIDTH - 35 * mm, 35 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -2), styles["normal"].fontName, 9),
                ("FONT", (0, -1), (-1, -1), styles["bold"].fontName, 9.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), styles["normal"].textColor),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, accent),
            ]
        )
    )
    return table


def _draw_footer(canvas, document, *, lines: list[str], font: str, colour, number: str) -> None:
    canvas.saveState()
    canvas.setFont(font, 7)
    canvas.setFillColor(colour)
    y = BOTTOM_MARGIN - 10 * mm
    for line in lines:
        if line.strip(" ·:/"):
            canvas.drawString(LEFT_MARGIN, y, line)
            y -= 9
    canvas.drawRightString(
        A4[0] - RIGHT_MARGIN, BOTTOM_MARGIN - 10 * mm, f"{number} · Seite/Page {document.page}"
    )
    canvas.restoreState()

"""Read access to the rendered files of invoices, for the API and for email attachments."""

from __future__ import annotations

from dataclasses import dataclass

from orderpilot.core.exceptions import TerminalError

from .models import Invoice
from .rendering.data import invoice_data
from .rendering.render import render_xrechnung
from .services import store_document


@dataclass(frozen=True)
class InvoiceFile:
    filename: str
    content: bytes
    media_type: str


def invoice_pdf(invoice: Invoice) -> InvoiceFile:
    """The stored PDF/A-3 of ``invoice`` (rendered from its snapshot first if it is not yet)."""
    document, _ = store_document(invoice)
    return InvoiceFile(f"{invoice.number.replace('/', '-')}.pdf", bytes(document.pdf), "application/pdf")


def invoice_xrechnung(invoice: Invoice) -> InvoiceFile:
    """The XRechnung (CII) XML of ``invoice`` for a public-sector buyer (needs its Leitweg-ID)."""
    xml = render_xrechnung(invoice_data(invoice))
    return InvoiceFile(f"{invoice.number.replace('/', '-')}-xrechnung.xml", xml, "application/xml")


def invoice_pdf_attachment(ref: str) -> InvoiceFile:
    """Attachment resolver for ``{"kind": "invoice_pdf", "ref": NUMBER}`` in an email payload."""
    invoice = Invoice.objects.select_related("refers").filter(number=ref).first()
    if invoice is None:
        raise TerminalError(f"attachment: no invoice {ref!r}")
    return invoice_pdf(invoice)

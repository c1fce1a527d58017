"""Render an invoice snapshot to its files. CPU only: no database, no clock, no network."""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import InvoiceTemplate
from .data import InvoiceData
from .einvoice import XRECHNUNG, build_cii
from .pdf import render_invoice_pdf
from .pdfa import embed_facturx


@dataclass(frozen=True)
class RenderedInvoice:
    pdf: bytes
    xml: bytes


def render_documents(data: InvoiceData) -> RenderedInvoice:
    """The Factur-X PDF/A-3 (EN 16931 XML embedded) and the XML itself, from the snapshot alone."""
    template = InvoiceTemplate.model_validate(data.layout)
    xml = build_cii(data)
    visible = render_invoice_pdf(data, template)
    title = ("Rechnungskorrektur" if data.is_credit_note else "Rechnung") + f" {data.number}"
    pdf = embed_facturx(
        visible, xml, issued_on=data.issued_on, title=title, author=data.seller.get("name", ""), lang="de-DE"
    )
    return RenderedInvoice(pdf=pdf, xml=xml)


def render_xrechnung(data: InvoiceData) -> bytes:
    """The XRechnung 3.0 (CII) XML for a public-sector buyer; needs the buyer's Leitweg-ID."""
    return build_cii(data, guideline=XRECHNUNG)

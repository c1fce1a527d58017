"""``GET /api/invoices/{number}/pdf`` (CONTRACT.md §3) and the XRechnung of an invoice."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from orderpilot.core.exceptions import TerminalError

from .documents import InvoiceFile, invoice_pdf, invoice_xrechnung
from .models import Invoice


def _file_response(file: InvoiceFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.media_type)
    response["Content-Disposition"] = f'inline; filename="{file.filename}"'
    response["Content-Length"] = str(len(file.content))
    return response


class InvoicePdfApi(APIView):
    """The PDF/A-3 of an invoice or credit note, with its EN 16931 XML embedded (Factur-X)."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, number: str):
        invoice = get_object_or_404(Invoice.objects.select_related("refers"), number=number)
        return _file_response(invoice_pdf(invoice))


class InvoiceXRechnungApi(APIView):
    """The XRechnung 3.0 (CII) XML of an invoice, for public-sector buyers; 409 without a Leitweg-ID."""

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    def get(self, request, number: str):
        invoice = get_object_or_404(Invoice.objects.select_related("refers"), number=number)
        try:
            return _file_response(invoice_xrechnung(invoice))
        except TerminalError as exc:
            return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")

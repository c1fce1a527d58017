"""Invoice downloads; included by ``orderpilot.api.urls`` under ``/api/``."""

from django.urls import path

from . import api

urlpatterns = [
    path("invoices/<str:number>/pdf", api.InvoicePdfApi.as_view(), name="invoice-pdf"),
    path("invoices/<str:number>/xrechnung", api.InvoiceXRechnungApi.as_view(), name="invoice-xrechnung"),
]

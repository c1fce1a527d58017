"""Read queries for the API and the cockpit."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from orderpilot.orders.models import HoldReason, HoldStatus, SalesOrder
from orderpilot.payments.models import Payment
from orderpilot.shipping.models import Package, Shipment


def order_list(*, channel: str = "", external_id: str = "", status: str = "", search: str = "") -> QuerySet:
    queryset = SalesOrder.objects.select_related("channel", "customer")
    if channel:
        queryset = queryset.filter(channel__code=channel)
    if external_id:
        queryset = queryset.filter(external_id=external_id)
    if status:
        queryset = queryset.filter(status=status)
    if search:
        queryset = queryset.filter(order_search_filter(search))
    return queryset.order_by("-ordered_at", "-pk")


def order_search_filter(text: str) -> Q:
    """External id, customer name or email, tracking number or invoice number."""
    text = text.strip()
    return (
        Q(external_id__iexact=text)
        | Q(customer__name__icontains=text)
        | Q(customer__email__iexact=text)
        | Q(Exists(Package.objects.filter(shipment__order=OuterRef("pk"), tracking_number=text)))
        | Q(Exists(_invoices_numbered(text)))
    )


def _invoices_numbered(number: str):
    from orderpilot.invoicing.models import Invoice

    return Invoice.objects.filter(order=OuterRef("pk"), number=number)


def order_detail_queryset() -> QuerySet:
    return SalesOrder.objects.select_related("channel", "customer").prefetch_related(
        "lines",
        Prefetch("hold_reasons", queryset=HoldReason.objects.filter(status=HoldStatus.ACTIVE), to_attr="active_holds"),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related("shipper").prefetch_related(
                Prefetch("packages", queryset=Package.objects.order_by("reference"))
            ),
        ),
        "invoices",
        "tickets",
        "events",
        Prefetch("payments", queryset=Payment.objects.order_by("received_at")),
    )

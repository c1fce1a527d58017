"""Output shapes of the REST API (CONTRACT.md §3). Amounts are decimal strings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orderpilot.invoicing.models import InvoiceKind
from orderpilot.orders.states import OrderStatus


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()


class OrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)


class ShipmentSerializer(serializers.Serializer):
    number = serializers.CharField()
    shipper = serializers.CharField(source="shipper.code")
    status = serializers.CharField()
    carrier = serializers.SerializerMethodField()
    tracking_numbers = serializers.SerializerMethodField()
    transmitted_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_carrier(self, shipment) -> str:
        packages = list(shipment.packages.all())
        return packages[0].carrier if packages else shipment.shipper.carrier

    def get_tracking_numbers(self, shipment) -> list[str]:
        return [p.tracking_number for p in shipment.packages.all()]


class InvoiceRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    pdf_url = serializers.CharField()


class TicketRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    message = serializers.CharField()
    actor = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField(source="channel.code")
    external_id = serializers.CharField()
    status = serializers.CharField()
    hold_reasons = serializers.SerializerMethodField()
    customer = CustomerRefSerializer(allow_null=True)
    lines = OrderLineSerializer(many=True, source="lines.all")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, source="total_gross")
    currency = serializers.CharField()
    ordered_at = serializers.DateTimeField()
    ship_by = serializers.DateTimeField(allow_null=True)
    shipments = ShipmentSerializer(many=True, source="shipments.all")
    invoice = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()
    tickets = TicketRefSerializer(many=True, source="tickets.all")
    marketplace_confirmed = serializers.SerializerMethodField()
    events = EventSerializer(many=True, source="events.all")

    def get_hold_reasons(self, order) -> list[str]:
        holds = getattr(order, "active_holds", None)
        if holds is None:
            holds = order.hold_reasons.filter(status="active")
        return [h.rule for h in holds]

    @extend_schema_field(InvoiceRefSerializer(allow_null=True))
    def get_invoice(self, order):
        invoices = [i for i in order.invoices.all() if i.kind == InvoiceKind.INVOICE]
        if not invoices:
            return None
        invoice = invoices[-1]
        corrected = any(i.refers_id == invoice.pk for i in order.invoices.all())
        return {
            "number": invoice.number,
            "status": "cancelled" if corrected else "issued",
            "total": invoice.gross_total,
            "pdf_url": f"/api/invoices/{invoice.number}/pdf",
        }

    def get_paid(self, order) -> bool:
        return order.status in (OrderStatus.PAID, OrderStatus.COMPLETED)

    def get_marketplace_confirmed(self, order) -> bool:
        return order.marketplace_confirmed_at is not None


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField()
    company = serializers.CharField()
    street = serializers.CharField()
    address2 = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()
    addresses = AddressSerializer(many=True, source="addresses.all")
    order_count = serializers.IntegerField()


class TicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id", allow_null=True)
    reason = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class TicketResolveInputSerializer(serializers.Serializer):
    requeue = serializers.BooleanField(default=False)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class ReleaseInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConfirmationInputSerializer(serializers.Serializer):
    shipment = serializers.CharField(required=False)
    order = serializers.CharField(required=False)
    tracking_number = serializers.CharField(max_length=64)
    carrier = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    shipped_at = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if not attrs.get("shipment") and not attrs.get("order"):
            raise serializers.ValidationError("give 'shipment' (delivery note number) or 'order' (external id)")
        return attrs

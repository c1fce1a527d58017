"""REST API views: thin — parse, authorise, call a service or selector, render."""

from __future__ import annotations

import hashlib
import hmac

from django.db import connection
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from orderpilot.core.actors import Actor
from orderpilot.core.exceptions import IllegalTransition
from orderpilot.customers.models import Customer
from orderpilot.shipping.models import Shipment, Shipper
from orderpilot.shipping.services import record_tracking
from orderpilot.tickets.models import Ticket
from orderpilot.tickets.services import resolve_ticket

from . import serializers
from .selectors import order_detail_queryset, order_list


class HealthApi(APIView):
    """Liveness and the state of the parts OrderPilot depends on. No login needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request):
        from orderpilot.channels.models import Channel
        from orderpilot.core.models import JobRun

        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        jobs = {
            job.name: job.last_succeeded_at.isoformat() if job.last_succeeded_at else None
            for job in JobRun.objects.all()
        }
        channels = {
            c.code: c.last_poll_ok_at.isoformat() if c.last_poll_ok_at else None
            for c in Channel.objects.filter(active=True)
        }
        return Response(
            {"status": "ok", "database": "ok", "time": timezone.now().isoformat(), "jobs": jobs, "channels": channels}
        )


class OrderListApi(generics.ListAPIView):
    serializer_class = serializers.OrderSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("channel", str),
            OpenApiParameter("external_id", str),
            OpenApiParameter("status", str),
            OpenApiParameter("search", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        ids = order_list(
            channel=params.get("channel", ""),
            external_id=params.get("external_id", ""),
            status=params.get("status", ""),
            search=params.get("search", ""),
        )
        return order_detail_queryset().filter(pk__in=ids.values("pk")).order_by("-ordered_at", "-pk")


class OrderDetailApi(generics.RetrieveAPIView):
    serializer_class = serializers.OrderSerializer

    def get_queryset(self):
        return order_detail_queryset()


class OrderReleaseApi(APIView):
    """Put a held order back into automatic processing."""

    @extend_schema(request=serializers.ReleaseInputSerializer, responses={200: serializers.OrderSerializer})
    def post(self, request, pk: int):
        from orderpilot.orders.models import SalesOrder
        from orderpilot.orders.services import release_order

        data = serializers.ReleaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = get_object_or_404(SalesOrder, pk=pk)
        try:
            release_order(order, actor=Actor.for_user(request.user), note=data.validated_data["note"])
        except IllegalTransition as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(serializers.OrderSerializer(order_detail_queryset().get(pk=pk)).data)


class CustomerListApi(generics.ListAPIView):
    serializer_class = serializers.CustomerSerializer

    @extend_schema(parameters=[OpenApiParameter("email", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from orderpilot.customers.matching import email_key

        queryset = Customer.objects.annotate(order_count=Count("orders")).prefetch_related("addresses")
        email = self.request.query_params.get("email")
        if email:
            queryset = queryset.filter(email_key=email_key(email))
        return queryset.order_by("pk")


class TicketListApi(generics.ListAPIView):
    serializer_class = serializers.TicketSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("order", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = Ticket.objects.all()
        params = self.request.query_params
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("order"):
            queryset = queryset.filter(order_id=params["order"])
        return queryset.order_by("-created_at", "-pk")


class TicketResolveApi(APIView):
    @extend_schema(request=serializers.TicketResolveInputSerializer, responses={200: serializers.TicketSerializer})
    def post(self, request, pk: int):
        data = serializers.TicketResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = get_object_or_404(Ticket, pk=pk)
        try:
            ticket = resolve_ticket(
                ticket,
                actor=Actor.for_user(request.user),
                requeue=data.validated_data["requeue"],
                resolution=data.validated_data["resolution"],
            )
        except IllegalTransition as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(serializers.TicketSerializer(ticket).data)


class ShippingConfirmationApi(APIView):
    """Return channel for shippers: a tracking number for a delivery note, idempotent.

    Authenticated by the shipper's own token (``Authorization: Token …``), not by a user.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=serializers.ConfirmationInputSerializer, responses={200: dict, 201: dict})
    def post(self, request):
        shipper = self._shipper(request)
        if shipper is None:
            return Response({"detail": "invalid or missing shipper token"}, status=status.HTTP_401_UNAUTHORIZED)
        data = serializers.ConfirmationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        shipments = Shipment.objects.filter(shipper=shipper)
        if values.get("shipment"):
            shipment = shipments.filter(number=values["shipment"]).first()
        else:
            shipment = shipments.filter(order__external_id=values["order"]).order_by("-pk").first()
        if shipment is None:
            return Response({"detail": "no such delivery note for this shipper"}, status=status.HTTP_404_NOT_FOUND)
        package, created = record_tracking(
            shipment,
            tracking_number=values["tracking_number"],
            carrier=values.get("carrier", ""),
            shipped_at=values.get("shipped_at"),
            actor=Actor(f"shipper:{shipper.code}"),
        )
        body = {"shipment": shipment.number, "tracking_number": package.tracking_number, "created": created}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @staticmethod
    def _shipper(request) -> Shipper | None:
        header = request.headers.get("Authorization", "").split()
        if len(header) != 2 or header[0] != "Token":
            return None
        digest = hashlib.sha256(header[1].encode()).hexdigest()
        for shipper in Shipper.objects.exclude(webhook_token_hash=""):
            if hmac.compare_digest(shipper.webhook_token_hash, digest):
                return shipper
        return None

"""REST API views: thin — parse, authorise, call a service or selector, render."""

from __future__ import annotations

import hmac

from django.db import DatabaseError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from orderpilot.core.actors import Actor
from orderpilot.core.exceptions import IllegalTransition, TerminalError
from orderpilot.customers.models import Customer
from orderpilot.shipping.models import Shipment
from orderpilot.shipping.services import record_tracking
from orderpilot.tickets.models import Ticket
from orderpilot.tickets.services import resolve_ticket

from . import serializers
from .selectors import order_detail_queryset, order_list


class HealthApi(APIView):
    """Liveness and the state of the parts OrderPilot depends on. No login needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict, 503: dict})
    def get(self, request):
        from orderpilot.channels.models import Channel
        from orderpilot.core import health

        now = timezone.now()
        try:
            database = "ok" if health.database_ok() else "error"
        except DatabaseError:
            return Response({"status": "error", "database": "error"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        last_worker = health.last_worker_activity()
        body = {
            "status": "ok",
            "time": now.isoformat(),
            "database": database,
            "broker": "ok" if health.broker_ok() else "error",
            "worker_last_seen_s": round((now - last_worker).total_seconds()) if last_worker else None,
            "channels": {
                c.code: {
                    "last_poll_ok_age_s": (
                        round((now - c.last_poll_ok_at).total_seconds()) if c.last_poll_ok_at else None
                    ),
                    "last_error": c.last_poll_error[:200],
                }
                for c in Channel.objects.filter(active=True)
            },
            "outbox": health.outbox_counts(),
            "problems": [p.message for p in health.stuck_work(now)],
        }
        if body["broker"] != "ok":
            body["status"] = "degraded"
        return Response(body)


class MetricsView(APIView):
    """Prometheus metrics: for staff, or with ``Authorization: Bearer <ORDERPILOT_METRICS_TOKEN>``."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        from django.conf import settings as django_settings
        from django.http import HttpResponse
        from prometheus_client import CONTENT_TYPE_LATEST

        from orderpilot.core.metrics import render_metrics

        token = django_settings.ORDERPILOT_METRICS_TOKEN
        header = request.headers.get("Authorization", "")
        by_token = bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())
        by_login = request.user.is_authenticated and request.user.is_staff
        if not (by_token or by_login):
            return Response({"detail": "metrics need a staff login or the metrics token"}, status=401)
        return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)


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

    Authenticated by the shipper's own token (``Authorization: Token …``; the previous token still
    works after a rotation), not by a user. Optional ``"lines": [{"sku", "quantity"}]`` says what the
    parcel holds (partial shipment). A body ``{"stock": {SKU: quantity}}`` is a stock feed instead.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=serializers.ConfirmationInputSerializer, responses={200: dict, 201: dict})
    def post(self, request):
        from orderpilot.shipping import webhook
        from orderpilot.shipping.services import TrackingRefused, update_shipper_stock

        shipper = webhook.shipper_for_token(request.headers.get("Authorization", ""))
        if shipper is None:
            return Response({"detail": "invalid or missing shipper token"}, status=status.HTTP_401_UNAUTHORIZED)
        if isinstance(request.data, dict) and "stock" in request.data:
            try:
                stock = webhook.parse_stock_feed(request.data["stock"])
                stored = update_shipper_stock(shipper, stock, source="webhook")
            except (ValueError, TerminalError) as exc:
                return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
            return Response({"shipper": shipper.code, "skus": stored}, status=status.HTTP_200_OK)
        data = serializers.ConfirmationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            lines = webhook.parse_lines(request.data.get("lines"))
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        shipments = Shipment.objects.filter(shipper=shipper)
        if values.get("shipment"):
            shipment = shipments.filter(number=values["shipment"]).first()
        else:
            shipment = shipments.filter(order__external_id=values["order"]).order_by("-pk").first()
        if shipment is None:
            return Response({"detail": "no such delivery note for this shipper"}, status=status.HTTP_404_NOT_FOUND)
        try:
            package, created = record_tracking(
                shipment,
                tracking_number=values["tracking_number"],
                carrier=values.get("carrier", ""),
                shipped_at=values.get("shipped_at"),
                lines=lines,
                actor=Actor(f"shipper:{shipper.code}"),
            )
        except TrackingRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        body = {"shipment": shipment.number, "tracking_number": package.tracking_number, "created": created}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

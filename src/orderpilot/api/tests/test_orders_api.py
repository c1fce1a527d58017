"""The REST API of CONTRACT.md §3, driven through the real import service and engine."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orderpilot.channels.base import Buyer, PostalAddress
from orderpilot.channels.models import Channel
from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_due_work
from orderpilot.orders.models import HoldReason, HoldRule, OrderEvent, SalesOrder
from orderpilot.shipping.models import Package, Shipment
from orderpilot.tickets.models import Ticket

#: The order fields CONTRACT.md §3 names, and the two the API adds (allowed: "add freely").
CONTRACT_ORDER_FIELDS = {
    "id",
    "channel",
    "external_id",
    "status",
    "hold_reasons",
    "customer",
    "lines",
    "total",
    "currency",
    "shipments",
    "invoice",
    "paid",
    "tickets",
    "marketplace_confirmed",
    "events",
}
ADDED_ORDER_FIELDS = {"ordered_at", "ship_by"}
SHIPPER_TOKEN = "3pl-webhook-token-7c1d"


@pytest.fixture
def user(django_user_model):
    from django.contrib.auth.models import Group

    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1")
    clerk.groups.add(Group.objects.get(name="operator"))  # the API needs the operator role
    return clerk


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def place(channel, factory, **overrides) -> SalesOrder:
    """Import an order through the real import service and run the engine until idle."""
    order = import_order(channel, factory(**overrides)).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    return order


def at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# --- list and filters ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_list_is_paginated_newest_first(api, channel, products, warehouse, channel_order_factory):
    # given
    now = dt.datetime.now(dt.UTC)
    older = place(channel, channel_order_factory, ordered_at=now - dt.timedelta(hours=2))
    newer = place(channel, channel_order_factory, ordered_at=now - dt.timedelta(hours=1))

    # when
    response = api.get("/api/orders/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [o["id"] for o in body["results"]] == [newer.pk, older.pk]
    assert set(body["results"][0]) == CONTRACT_ORDER_FIELDS | ADDED_ORDER_FIELDS


@pytest.mark.django_db
def test_order_list_filters(api, channel, products, warehouse, channel_order_factory):
    # given
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    amazon = Channel.objects.create(code="amazon-de", kind="amazon", name="Amazon DE")
    shipped_to_erika = place(channel, channel_order_factory, external_id="SHOP-1001")
    held = place(
        channel,
        channel_order_factory,
        external_id="SHOP-1002",
        buyer_note="Bitte klingeln",
        buyer=Buyer(email="max@example.com", name="Max Muster"),
    )
    from_amazon = place(amazon, channel_order_factory, external_id="302-1234567-7654321")

    def ids(**params) -> list[int]:
        response = api.get("/api/orders/", params)
        assert response.status_code == 200
        return sorted(o["id"] for o in response.json()["results"])

    # when / then
    assert (shipped_to_erika.status, held.status, from_amazon.status) == (
        "transmitted",
        "on_hold",
        "transmitted",
    )
    assert ids(channel="amazon-de") == [from_amazon.pk]
    assert ids(channel="shop") == sorted([shipped_to_erika.pk, held.pk])
    assert ids(channel="no-such-channel") == []
    assert ids(external_id="SHOP-1002") == [held.pk]
    assert ids(external_id="SHOP-10") == []
    assert ids(status="on_hold") == [held.pk]
    assert ids(status="transmitted") == sorted([shipped_to_erika.pk, from_amazon.pk])
    assert ids(status="shipped") == []
    assert ids(channel="shop", status="transmitted") == [shipped_to_erika.pk]
    assert ids(search="shop-1002") == [held.pk]
    assert ids(search="  MAX@example.COM ") == [held.pk]
    assert ids(search="mustermann") == sorted([shipped_to_erika.pk, from_amazon.pk])
    assert ids(search="nobody@example.com") == []


# --- detail ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_detail_has_the_contract_fields_and_types(
    api, channel, products, warehouse, channel_order_factory
):
    # given
    order = place(channel, channel_order_factory, external_id="SHOP-2001")
    shipment = Shipment.objects.get(order=order)

    # when
    response = api.get(f"/api/orders/{order.pk}/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_ORDER_FIELDS | ADDED_ORDER_FIELDS
    assert body["id"] == order.pk
    assert body["channel"] == "shop"
    assert body["external_id"] == "SHOP-2001"
    assert body["status"] == "transmitted"
    assert body["hold_reasons"] == []
    assert body["customer"] == {
        "id": order.customer_id,
        "email": "erika@example.com",
        "name": "Erika Mustermann",
    }
    assert body["lines"] == [
        {"sku": "MUG-01", "title": "", "quantity": 1, "unit_price": "19.90", "tax_rate": "19.00"}
    ]
    assert body["total"] == "19.90"
    assert Decimal(body["total"]) == order.total_gross
    assert body["currency"] == "EUR"
    assert at(body["ordered_at"]) == order.ordered_at
    assert body["ship_by"] is None
    assert body["shipments"] == [
        {
            "number": shipment.number,
            "shipper": "warehouse",
            "status": "transmitted",
            "carrier": "DHL",
            "tracking_numbers": [],
            "transmitted_at": body["shipments"][0]["transmitted_at"],
            "confirmed_at": None,
        }
    ]
    assert at(body["shipments"][0]["transmitted_at"]) == shipment.transmitted_at
    assert body["invoice"] is None
    assert body["paid"] is False
    assert body["tickets"] == []
    assert body["marketplace_confirmed"] is False


@pytest.mark.django_db
def test_order_detail_events_are_the_timeline_in_order(
    api, channel, products, warehouse, channel_order_factory
):
    # given
    order = place(channel, channel_order_factory)
    shipment = Shipment.objects.get(order=order)

    # when
    events = api.get(f"/api/orders/{order.pk}/").json()["events"]

    # then
    assert [(e["kind"], e["message"], e["actor"]) for e in events] == [
        ("imported", "Unshipped at shop", "system"),
        ("customer_created", "new customer", "system"),
        ("email_queued", "order_received → erika@example.com", "system"),
        ("status_changed", "no hold rule fired", "system"),
        ("delivery_note_created", f"{shipment.number} → warehouse", "system"),
        ("status_changed", f"{shipment.number} in the packing queue", "system"),
    ]
    stored = list(OrderEvent.objects.filter(order=order).order_by("at", "pk"))
    assert [at(e["at"]) for e in events] == [e.at for e in stored]
    assert all(set(e) == {"at", "kind", "message", "actor"} for e in events)


@pytest.mark.django_db
def test_unknown_order_is_404(api, channel):
    # given: no orders

    # when
    response = api.get("/api/orders/999999/")

    # then
    assert response.status_code == 404


@pytest.mark.django_db
def test_drf_token_authenticates(channel, products, warehouse, channel_order_factory, user):
    # given
    order = place(channel, channel_order_factory)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when
    response = client.get(f"/api/orders/{order.pk}/")

    # then
    assert response.status_code == 200
    assert response.json()["id"] == order.pk


@pytest.mark.django_db
def test_unknown_drf_token_is_refused(channel, user):
    # given
    Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    # when
    response = client.get("/api/orders/")

    # then
    assert response.status_code == 401


# --- release --------------------------------------------------------------------------------------


@pytest.fixture
def held(channel, products, warehouse, channel_order_factory):
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    order = place(channel, channel_order_factory, external_id="SHOP-3001", buyer_note="Bitte als Geschenk")
    assert order.status == "on_hold"
    return order


@pytest.mark.django_db
def test_held_order_shows_its_hold_reason_and_ticket(api, held):
    # given
    ticket = Ticket.objects.get(order=held)

    # when
    body = api.get(f"/api/orders/{held.pk}/").json()

    # then
    assert body["status"] == "on_hold"
    assert body["hold_reasons"] == ["buyer-note"]
    assert body["tickets"] == [{"id": ticket.pk, "status": "open", "reason": "hold"}]
    assert body["shipments"] == []


@pytest.mark.django_db
def test_release_puts_a_held_order_back_and_it_runs_on_to_transmitted(api, user, held):
    # given
    ticket = Ticket.objects.get(order=held)

    # when
    response = api.post(f"/api/orders/{held.pk}/release/", {"note": "Notiz gelesen"}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "released"
    assert response.json()["hold_reasons"] == []
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.resolution == "Notiz gelesen"
    reason = HoldReason.objects.get(order=held)
    assert (reason.rule, reason.status, reason.resolved_by) == ("buyer-note", "overridden", user)

    # when the engine runs on
    run_due_work(until_idle=True)

    # then the rule is not applied again and the order reaches the warehouse
    held.refresh_from_db()
    assert held.status == "transmitted"
    assert held.overridden_rules == ["buyer-note"]
    assert HoldReason.objects.filter(order=held).count() == 1
    assert list(Ticket.objects.filter(order=held).values_list("status", flat=True)) == ["closed"]
    assert Shipment.objects.get(order=held).shipper.code == "warehouse"
    body = api.get(f"/api/orders/{held.pk}/").json()
    assert (body["status"], body["hold_reasons"]) == ("transmitted", [])
    assert body["tickets"] == [{"id": ticket.pk, "status": "closed", "reason": "hold"}]
    released = [
        e for e in body["events"] if e["kind"] == "status_changed" and e["message"] == "Notiz gelesen"
    ]
    assert [e["actor"] for e in released] == ["clerk"]


@pytest.mark.django_db
def test_release_of_an_order_not_on_hold_is_409_and_changes_nothing(
    api, channel, products, warehouse, channel_order_factory
):
    # given
    order = place(channel, channel_order_factory)
    events_before = OrderEvent.objects.filter(order=order).count()

    # when
    response = api.post(f"/api/orders/{order.pk}/release/", {}, format="json")

    # then
    assert response.status_code == 409
    assert response.json() == {"detail": f"order {order} is transmitted, not on hold"}
    order.refresh_from_db()
    assert order.status == "transmitted"
    assert order.overridden_rules == []
    assert OrderEvent.objects.filter(order=order).count() == events_before


@pytest.mark.django_db
def test_release_of_an_unknown_order_is_404(api, channel):
    # given: no orders

    # when
    response = api.post("/api/orders/999999/release/", {}, format="json")

    # then
    assert response.status_code == 404


# --- customers -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customer_lookup_by_email_ignores_case_and_surrounding_spaces(
    api, channel, products, warehouse, channel_order_factory
):
    # given
    erika = Buyer(email="Erika.Mustermann@Example.com", name="Erika Mustermann")
    first = place(channel, channel_order_factory, buyer=erika)
    place(channel, channel_order_factory, buyer=Buyer(email="erika.mustermann@example.COM", name="Erika M."))
    place(channel, channel_order_factory, buyer=Buyer(email="max@example.com", name="Max Muster"))

    # when
    response = api.get("/api/customers/", {"email": "  ERIKA.MUSTERMANN@example.com  "})

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"] == [
        {
            "id": first.customer_id,
            "email": "Erika.Mustermann@Example.com",
            "name": "Erika Mustermann",
            "addresses": [
                {
                    "name": "Erika Mustermann",
                    "company": "",
                    "street": "Heidestraße 17",
                    "address2": "",
                    "postal_code": "51147",
                    "city": "Köln",
                    "country": "DE",
                }
            ],
            "order_count": 2,
        }
    ]


@pytest.mark.django_db
def test_customer_lookup_for_an_unknown_email_is_empty(
    api, channel, products, warehouse, channel_order_factory
):
    # given
    place(channel, channel_order_factory)

    # when
    response = api.get("/api/customers/", {"email": "someone-else@example.com"})

    # then
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.django_db
def test_customer_addresses_keep_each_distinct_address(
    api, channel, products, warehouse, channel_order_factory
):
    # given
    place(channel, channel_order_factory)
    place(
        channel,
        channel_order_factory,
        shipping_address=PostalAddress(
            name="Erika Mustermann", street="Domkloster 4", postal_code="50667", city="Köln", country="DE"
        ),
    )

    # when
    body = api.get("/api/customers/", {"email": "erika@example.com"}).json()

    # then
    (customer,) = body["results"]
    assert [a["street"] for a in customer["addresses"]] == ["Heidestraße 17", "Domkloster 4"]
    assert customer["order_count"] == 2


# --- tickets ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ticket_list_filters_by_status_and_order(api, channel, channel_order_factory, held):
    # given
    other = place(channel, channel_order_factory, external_id="SHOP-3002", buyer_note="Andere Notiz")
    ticket = Ticket.objects.get(order=held)

    # when
    open_for_held = api.get("/api/tickets/", {"status": "open", "order": held.pk})
    closed_for_held = api.get("/api/tickets/", {"status": "closed", "order": held.pk})
    all_open = api.get("/api/tickets/", {"status": "open"})

    # then
    assert open_for_held.status_code == 200
    (item,) = open_for_held.json()["results"]
    assert item == {
        "id": ticket.pk,
        "order": held.pk,
        "reason": "hold",
        "status": "open",
        "priority": 2,
        "title": "shop SHOP-3001: buyer-note",
        "body": "buyer-note (buyer_note): note: Bitte als Geschenk",
        "created_at": item["created_at"],
        "closed_at": None,
    }
    assert at(item["created_at"]) == ticket.created_at
    assert closed_for_held.json()["results"] == []
    assert sorted(t["order"] for t in all_open.json()["results"]) == sorted([held.pk, other.pk])


@pytest.mark.django_db
def test_resolving_a_hold_ticket_with_requeue_releases_the_order(api, held):
    # given
    ticket = Ticket.objects.get(order=held)

    # when
    response = api.post(f"/api/tickets/{ticket.pk}/resolve/", {"requeue": True}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    ticket.refresh_from_db()
    assert ticket.closed_at is not None
    assert at(response.json()["closed_at"]) == ticket.closed_at
    held.refresh_from_db()
    assert held.status == "released"

    # when the engine runs on
    run_due_work(until_idle=True)

    # then
    held.refresh_from_db()
    assert held.status == "transmitted"
    assert HoldReason.objects.get(order=held).status == "overridden"
    assert api.get("/api/tickets/", {"status": "open", "order": held.pk}).json()["results"] == []
    closed = api.get("/api/tickets/", {"status": "closed", "order": held.pk}).json()["results"]
    assert [t["id"] for t in closed] == [ticket.pk]


@pytest.mark.django_db
def test_a_hold_ticket_cannot_be_closed_without_requeue_while_the_order_waits(api, held):
    # given
    ticket = Ticket.objects.get(order=held)

    # when
    response = api.post(f"/api/tickets/{ticket.pk}/resolve/", {"requeue": False}, format="json")
    run_due_work(until_idle=True)

    # then nothing changed: the order still waits, and a person still sees it
    assert response.status_code == 409
    assert "still on hold" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == "open"
    held.refresh_from_db()
    assert held.status == "on_hold"
    assert HoldReason.objects.get(order=held).status == "active"
    assert Shipment.objects.filter(order=held).count() == 0


# --- shipping confirmations (shipper token) ---------------------------------------------------------


@pytest.fixture
def transmitted(channel, products, folder_shipper, channel_order_factory, tmp_path):
    """An order whose delivery note the engine wrote to the folder 3PL, which has a webhook token."""
    folder_shipper.webhook_token_hash = hashlib.sha256(SHIPPER_TOKEN.encode()).hexdigest()
    folder_shipper.save(update_fields=["webhook_token_hash"])
    order = place(channel, channel_order_factory, external_id="SHOP-4001")
    shipment = Shipment.objects.get(order=order)
    assert order.status == "transmitted"
    assert (tmp_path / "3pl" / f"{shipment.number}.json").is_file()
    return order, shipment


def shipper_client(token: str | None = SHIPPER_TOKEN) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db
def test_shipping_confirmation_moves_the_order_to_shipped(api, transmitted):
    # given
    order, shipment = transmitted
    body = {
        "shipment": shipment.number,
        "tracking_number": "00340434161094042557",
        "carrier": "DHL",
        "shipped_at": "2026-03-02T14:30:00+01:00",
    }

    # when
    response = shipper_client().post("/api/shipping/confirmations/", body, format="json")

    # then
    assert response.status_code == 201
    assert response.json() == {
        "shipment": shipment.number,
        "tracking_number": "00340434161094042557",
        "created": True,
    }
    order.refresh_from_db()
    assert order.status == "shipped"
    package = Package.objects.get(shipment=shipment)
    assert (package.tracking_number, package.carrier, package.reference) == ("00340434161094042557", "DHL", 1)
    assert package.shipped_at == dt.datetime(2026, 3, 2, 13, 30, tzinfo=dt.UTC)
    detail = api.get(f"/api/orders/{order.pk}/").json()
    assert detail["status"] == "shipped"
    (item,) = detail["shipments"]
    assert (item["shipper"], item["status"], item["carrier"], item["tracking_numbers"]) == (
        "folder-3pl",
        "confirmed",
        "DHL",
        ["00340434161094042557"],
    )
    shipment.refresh_from_db()
    assert shipment.confirmed_at is not None
    assert at(item["confirmed_at"]) == shipment.confirmed_at
    tracking_events = [e for e in detail["events"] if e["kind"] == "tracking_received"]
    assert [(e["message"], e["actor"]) for e in tracking_events] == [
        (f"{shipment.number}: DHL 00340434161094042557", "shipper:folder-3pl")
    ]
    assert [
        o["id"] for o in api.get("/api/orders/", {"search": "00340434161094042557"}).json()["results"]
    ] == [order.pk]


@pytest.mark.django_db
def test_shipping_confirmation_is_idempotent(transmitted):
    # given
    order, shipment = transmitted
    body = {"shipment": shipment.number, "tracking_number": "00340434161094042557", "carrier": "DHL"}
    first = shipper_client().post("/api/shipping/confirmations/", body, format="json")

    # when
    second = shipper_client().post("/api/shipping/confirmations/", body, format="json")

    # then
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == {
        "shipment": shipment.number,
        "tracking_number": "00340434161094042557",
        "created": False,
    }
    assert Package.objects.filter(shipment=shipment).count() == 1
    assert OrderEvent.objects.filter(order=order, kind="tracking_received").count() == 1
    order.refresh_from_db()
    assert order.status == "shipped"


@pytest.mark.django_db
def test_shipping_confirmation_by_order_external_id(transmitted):
    # given
    order, shipment = transmitted

    # when
    response = shipper_client().post(
        "/api/shipping/confirmations/",
        {"order": "SHOP-4001", "tracking_number": "JJD000390007701234567"},
        format="json",
    )

    # then
    assert response.status_code == 201
    assert response.json()["shipment"] == shipment.number
    assert Package.objects.get(shipment=shipment).carrier == "DHL"  # the shipper's carrier by default
    order.refresh_from_db()
    assert order.status == "shipped"


@pytest.mark.parametrize("token", ["wrong-token", None])
@pytest.mark.django_db
def test_shipping_confirmation_refuses_a_wrong_or_missing_token(transmitted, token):
    # given
    order, shipment = transmitted
    events_before = OrderEvent.objects.filter(order=order).count()

    # when
    response = shipper_client(token).post(
        "/api/shipping/confirmations/",
        {"shipment": shipment.number, "tracking_number": "00340434161094042557"},
        format="json",
    )

    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid or missing shipper token"}
    assert Package.objects.count() == 0
    order.refresh_from_db()
    shipment.refresh_from_db()
    assert order.status == "transmitted"
    assert (shipment.status, shipment.confirmed_at) == ("transmitted", None)
    assert OrderEvent.objects.filter(order=order).count() == events_before


@pytest.mark.django_db
def test_a_user_token_is_not_a_shipper_token(transmitted, user):
    # given
    order, shipment = transmitted
    token = Token.objects.create(user=user)

    # when
    response = shipper_client(token.key).post(
        "/api/shipping/confirmations/",
        {"shipment": shipment.number, "tracking_number": "00340434161094042557"},
        format="json",
    )

    # then
    assert response.status_code == 401
    assert Package.objects.count() == 0


@pytest.mark.django_db
def test_shipping_confirmation_for_another_shippers_delivery_note_is_404(transmitted, warehouse):
    # given
    order, shipment = transmitted
    warehouse.webhook_token_hash = hashlib.sha256(b"warehouse-token").hexdigest()
    warehouse.save(update_fields=["webhook_token_hash"])

    # when
    response = shipper_client("warehouse-token").post(
        "/api/shipping/confirmations/",
        {"shipment": shipment.number, "tracking_number": "00340434161094042557"},
        format="json",
    )

    # then
    assert response.status_code == 404
    assert Package.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "transmitted"


@pytest.mark.django_db
def test_shipping_confirmation_needs_a_delivery_note_or_order(transmitted):
    # given
    order, _shipment = transmitted

    # when
    response = shipper_client().post(
        "/api/shipping/confirmations/", {"tracking_number": "00340434161094042557"}, format="json"
    )

    # then
    assert response.status_code == 400
    assert Package.objects.count() == 0


# --- OpenAPI ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_an_openapi_3_document_for_an_authenticated_user(api):
    # given: a logged-in user

    # when
    yaml_response = api.get("/api/schema/")
    json_response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    # then
    assert yaml_response.status_code == 200
    assert yaml_response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml_response.content.startswith(b"openapi: 3.")
    assert json_response.status_code == 200
    schema = json_response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "OrderPilot API"
    assert {
        "/api/orders/",
        "/api/orders/{id}/",
        "/api/orders/{id}/release/",
        "/api/customers/",
        "/api/tickets/",
        "/api/tickets/{id}/resolve/",
        "/api/shipping/confirmations/",
        "/api/health/",
    } <= set(schema["paths"])
    order_schema = schema["components"]["schemas"]["Order"]
    assert CONTRACT_ORDER_FIELDS <= set(order_schema["properties"])
    list_parameters = {p["name"] for p in schema["paths"]["/api/orders/"]["get"]["parameters"]}
    assert {"channel", "external_id", "status", "search", "page"} <= list_parameters


@pytest.mark.django_db
def test_schema_refuses_anonymous_requests():
    # given
    client = APIClient()

    # when
    response = client.get("/api/schema/")

    # then
    assert response.status_code == 401

"""Generated orders: valid SP-API orders with German/Austrian/UK data, Pending ones that clear later."""

from __future__ import annotations

import pytest

from orderpilot.sandbox.amazon.app import create_app

from .conftest import DE, UK

ALL = "BUYER,RECIPIENT,PROCEEDS,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"


def test_generated_orders_are_valid_sp_api_orders(sim, models):
    # given
    created = sim.client.post("/_sim/generate", json={"count": 60})
    stored = sim.client.get("/_sim/orders").json()["orders"]
    order_schema = models.definition_validator("ordersV0", "Order")
    item_schema = models.definition_validator("ordersV0", "OrderItem")
    headers = sim.auth()
    rdt = sim.client.post(
        "/tokens/2021-03-01/restrictedDataToken",
        headers=headers,
        json={
            "restrictedResources": [
                {
                    "method": "GET",
                    "path": "/orders/v0/orders",
                    "dataElements": ["buyerInfo", "shippingAddress"],
                }
            ]
        },
    ).json()
    # when
    v0 = sim.client.get(
        "/orders/v0/orders",
        params={"MarketplaceIds": f"{DE},{UK}", "CreatedAfter": "2026-11-28T00:00:00Z"},
        headers={"x-amz-access-token": rdt["restrictedDataToken"]},
    )
    v2026 = sim.client.get(
        "/orders/2026-01-01/orders",
        params={"createdAfter": "2026-11-28T00:00:00Z", "includedData": ALL},
        headers=headers,
    )
    # then
    assert created.status_code == 201
    assert len(created.json()["AmazonOrderIds"]) == 60
    for order in stored:
        items = order.pop("OrderItems")
        order.pop("BuyerCompanyName", None)
        assert not list(order_schema.iter_errors(order)), order["AmazonOrderId"]
        assert all(not list(item_schema.iter_errors(item)) for item in items), order["AmazonOrderId"]
    assert len(models.validate("ordersV0.getOrders", v0)["payload"]["Orders"]) == 60
    assert len(models.validate("orders_2026-01-01.searchOrders", v2026)["orders"]) == 60


def test_generated_orders_mix_countries_umlauts_and_order_kinds(sim):
    # when
    sim.client.post("/_sim/generate", json={"count": 60})
    orders = sim.client.get("/_sim/orders").json()["orders"]
    # then
    assert {o["ShippingAddress"]["CountryCode"] for o in orders} == {"DE", "AT", "GB"}
    assert {o["MarketplaceId"] for o in orders} == {DE, UK}
    assert any(not o["ShippingAddress"]["Name"].isascii() for o in orders)
    assert {i["SellerSKU"] for o in orders for i in o["OrderItems"]} == {"MUG-01", "LAMP-02", "TEE-03"}
    assert any(o["OrderStatus"] == "Pending" for o in orders)
    assert any(o["IsBusinessOrder"] and o["BuyerInfo"]["PurchaseOrderNumber"] for o in orders)
    assert any(
        i.get("IsGift") == "true" and i["BuyerInfo"]["GiftMessageText"]
        for o in orders
        for i in o["OrderItems"]
    )
    assert {o["ShipmentServiceLevelCategory"] for o in orders} >= {"Standard", "Expedited"}
    assert all(o["BuyerInfo"]["BuyerEmail"].split("@")[1].startswith("marketplace.amazon.") for o in orders)


def test_pending_generated_orders_turn_unshipped_within_ten_minutes(sim):
    # given
    sim.client.post("/_sim/generate", json={"count": 40})
    pending = [
        o["AmazonOrderId"]
        for o in sim.client.get("/_sim/orders").json()["orders"]
        if o["OrderStatus"] == "Pending"
    ]
    assert pending
    # when
    sim.advance("10m")
    orders = {o["AmazonOrderId"]: o for o in sim.client.get("/_sim/orders").json()["orders"]}
    # then
    for order_id in pending:
        order = orders[order_id]
        assert order["OrderStatus"] == "Unshipped"
        assert "2026-11-28T12:01:00Z" <= order["LastUpdateDate"] <= "2026-11-28T12:10:00Z"
        assert order["OrderTotal"]["Amount"]
        assert order["NumberOfItemsUnshipped"] == sum(i["QuantityOrdered"] for i in order["OrderItems"])


def test_generate_takes_the_sku_list_and_refuses_bad_counts(sim):
    # when
    created = sim.client.post("/_sim/generate", json={"count": 3, "skus": ["BOOK-9"]})
    too_many = sim.client.post("/_sim/generate", json={"count": 0})
    # then
    assert created.status_code == 201
    assert {
        i["SellerSKU"] for o in sim.client.get("/_sim/orders").json()["orders"] for i in o["OrderItems"]
    } == {"BOOK-9"}
    assert (too_many.status_code, too_many.json()) == (
        400,
        {"error": "count must be an integer from 1 to 1000"},
    )


def test_generate_every_keeps_producing_orders_as_time_passes(start_sim):
    # given
    sim = start_sim(generate_every=60)
    assert sim.client.get("/_sim/orders").json() == {"orders": []}
    # when
    sim.advance("5m")
    orders = sim.client.get("/_sim/orders").json()["orders"]
    # then
    assert len(orders) == 5
    assert sorted(o["LastUpdateDate"] for o in orders) == [f"2026-11-28T12:0{m}:00Z" for m in range(1, 6)]


def test_generate_every_and_skus_come_from_the_environment(monkeypatch):
    # given
    monkeypatch.setenv("ORDERPILOT_SIM_AMAZON_GENERATE_EVERY", "30")
    monkeypatch.setenv("ORDERPILOT_SIM_AMAZON_SKUS", "A-1, B-2")
    # when
    app = create_app()
    # then
    assert (app.config.generate_every, app.config.skus) == (30.0, ("A-1", "B-2"))


def test_options_given_as_text_by_the_command_line_are_read():
    # when
    app = create_app(
        generate_every="15", skus="A-1,B-2", transit_days="3", start="2026-11-28T12:00:00Z", seed="3"
    )
    # then
    assert (app.config.generate_every, app.config.skus, app.config.transit_days) == (
        15.0,
        ("A-1", "B-2"),
        3.0,
    )
    assert app.clock.now().isoformat() == "2026-11-28T12:00:00+00:00"


def test_an_unreadable_option_is_refused():
    with pytest.raises(ValueError, match="generate_every must be a number, not 'often'"):
        create_app(generate_every="often")

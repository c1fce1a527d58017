"""Orders API v0: the saved sandbox examples served back, filters, the date rules and pagination."""

from __future__ import annotations

import copy

from orderpilot.sandbox.amazon.errors import BAD_NEXT_TOKEN

from .conftest import DE, UK, US, de_order


def _with_item(order, item_id="90000000000001"):
    return {
        **copy.deepcopy(order),
        "OrderItems": [{"ASIN": "B00551Q3CS", "OrderItemId": item_id, "QuantityOrdered": 1}],
    }


def _rdt(sim, headers, path, elements=None):
    resource = {"method": "GET", "path": path}
    if elements:
        resource["dataElements"] = elements
    response = sim.client.post(
        "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [resource]}, headers=headers
    )
    return {"x-amz-access-token": response.json()["restrictedDataToken"]}


def test_get_orders_returns_the_saved_example_orders_unchanged(sim, models, example):
    # given
    saved = example("v0_getOrders_200_TEST_CASE_200.json")
    for order in saved["payload"]["Orders"]:
        sim.post_order(_with_item(order))
    # when
    response = sim.client.get(
        "/orders/v0/orders",
        params={"CreatedAfter": "1970-01-01T00:00:00Z", "MarketplaceIds": US},
        headers=sim.auth(),
    )
    # then
    payload = models.validate("ordersV0.getOrders", response)["payload"]
    assert payload["Orders"] == saved["payload"]["Orders"]
    # the example's CreatedBefore is a sandbox artefact ("1.569521782042E9"); the simulator echoes its bound
    assert sorted(payload) == sorted(saved["payload"])
    assert payload["CreatedBefore"] == "2026-11-28T12:00:00Z"


def test_order_items_address_and_buyer_info_equal_the_saved_examples(sim, models, example):
    # given
    items = example("v0_getOrderItems_200_TEST_CASE_200.json")
    address = example("v0_getOrderAddress_200_TEST_CASE_200.json")
    buyer = example("v0_getOrderBuyerInfo_200_TEST_CASE_200.json")
    order = example("v0_getOrders_200_TEST_CASE_200.json")["payload"]["Orders"][0]
    sim.post_order(
        {
            **order,
            "OrderItems": items["payload"]["OrderItems"],
            "ShippingAddress": address["payload"]["ShippingAddress"],
            "BuyerInfo": {k: v for k, v in buyer["payload"].items() if k != "AmazonOrderId"},
        }
    )
    headers = sim.auth()
    base = "/orders/v0/orders/902-1845936-5435065"
    # when
    got_items = sim.client.get(f"{base}/orderItems", headers=headers)
    got_address = sim.client.get(f"{base}/address", headers=_rdt(sim, headers, f"{base}/address"))
    got_buyer = sim.client.get(f"{base}/buyerInfo", headers=_rdt(sim, headers, f"{base}/buyerInfo"))
    # then
    assert models.validate("ordersV0.getOrderItems", got_items) == items
    assert models.validate("ordersV0.getOrderAddress", got_address) == address
    assert models.validate("ordersV0.getOrderBuyerInfo", got_buyer) == buyer


def test_get_order_returns_the_saved_german_business_iba_example(sim, models, example):
    # given
    saved = example("v0_getOrder_200_TEST_CASE_IBA_200_DE_business.json")
    sim.post_order(_with_item(saved["payload"]))
    # when
    response = sim.client.get("/orders/v0/orders/921-3175655-0452641", headers=sim.auth())
    # then
    assert models.validate("ordersV0.getOrder", response) == saved


def test_buyer_info_without_rdt_has_only_the_order_id(sim, models):
    # given
    sim.post_order(de_order())
    # when
    response = sim.client.get("/orders/v0/orders/302-1234567-7654321/buyerInfo", headers=sim.auth())
    # then
    assert models.validate("ordersV0.getOrderBuyerInfo", response) == {
        "payload": {"AmazonOrderId": "302-1234567-7654321"}
    }


def test_items_buyer_info_shows_the_gift_message_only_with_an_rdt(sim, models):
    # given
    order = de_order()
    order["OrderItems"][0].update(
        IsGift="true", BuyerInfo={"GiftMessageText": "Für Käthe", "GiftWrapLevel": "Classic"}
    )
    sim.post_order(order)
    headers = sim.auth()
    path = "/orders/v0/orders/302-1234567-7654321/orderItems/buyerInfo"
    # when
    plain = sim.client.get(path, headers=headers)
    restricted = sim.client.get(path, headers=_rdt(sim, headers, path))
    items_plain = sim.client.get("/orders/v0/orders/302-1234567-7654321/orderItems", headers=headers)
    # then
    key = "ordersV0.getOrderItemsBuyerInfo"
    assert models.validate(key, plain)["payload"]["OrderItems"] == [
        {"OrderItemId": "11111111111111"},
        {"OrderItemId": "22222222222222"},
    ]
    assert models.validate(key, restricted)["payload"]["OrderItems"][0] == {
        "OrderItemId": "11111111111111",
        "GiftMessageText": "Für Käthe",
        "GiftWrapLevel": "Classic",
    }
    assert (
        "BuyerInfo" not in models.validate("ordersV0.getOrderItems", items_plain)["payload"]["OrderItems"][0]
    )


def test_pagination_continues_with_next_token_and_freezes_the_result(sim, models, example):
    # given
    pending = example("v0_getOrders_200_page1_with_NextToken.json")["payload"]["Orders"][0]
    sim.post_order(_with_item(pending))
    for n in range(4):
        sim.post_order(
            de_order(f"302-000000{n}-0000000", PurchaseDate=f"2026-11-28T0{n}:00:00Z", MarketplaceId=US)
        )
    headers = sim.auth()
    query = {"CreatedAfter": "2017-01-01T00:00:00Z", "MarketplaceIds": US, "MaxResultsPerPage": 2}
    # when
    first = models.validate(
        "ordersV0.getOrders", sim.client.get("/orders/v0/orders", params=query, headers=headers)
    )
    sim.post_order(de_order("302-0000009-0000000", PurchaseDate="2026-11-28T09:00:00Z", MarketplaceId=US))
    second_response = sim.client.get(
        "/orders/v0/orders", params={**query, "NextToken": first["payload"]["NextToken"]}, headers=headers
    )
    second = models.validate("ordersV0.getOrders", second_response)
    third_response = sim.client.get(
        "/orders/v0/orders", params={"NextToken": second["payload"]["NextToken"]}, headers=headers
    )
    third = models.validate("ordersV0.getOrders", third_response)
    # then
    assert first["payload"]["Orders"][0] == pending
    ids = [o["AmazonOrderId"] for page in (first, second, third) for o in page["payload"]["Orders"]]
    assert ids == [
        "902-3159896-1390916",
        "302-0000000-0000000",
        "302-0000001-0000000",
        "302-0000002-0000000",
        "302-0000003-0000000",
    ]
    assert "NextToken" not in third["payload"]
    assert third["payload"]["CreatedBefore"] == "2026-11-28T12:00:00Z"


def test_a_mangled_or_reused_next_token_is_refused(sim, models):
    # given
    for n in range(3):
        sim.post_order(de_order(f"302-000000{n}-0000000"))
    headers = sim.auth()
    query = {"CreatedAfter": "2026-11-01T00:00:00Z", "MarketplaceIds": DE, "MaxResultsPerPage": 1}
    token = sim.client.get("/orders/v0/orders", params=query, headers=headers).json()["payload"]["NextToken"]
    # when
    mangled = sim.client.get("/orders/v0/orders", params={"NextToken": token[:-3]}, headers=headers)
    used = sim.client.get("/orders/v0/orders", params={"NextToken": token}, headers=headers)
    again = sim.client.get("/orders/v0/orders", params={"NextToken": token}, headers=headers)
    # then
    assert models.validate("ordersV0.getOrders", mangled)["errors"][0]["message"] == BAD_NEXT_TOKEN
    assert used.status_code == 200
    assert models.validate("ordersV0.getOrders", again)["errors"][0]["message"] == BAD_NEXT_TOKEN


def test_before_dates_must_be_two_minutes_in_the_past(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    base = {"MarketplaceIds": DE}
    # when
    too_recent = sim.client.get(
        "/orders/v0/orders",
        headers=headers,
        params={
            **base,
            "LastUpdatedAfter": "2026-11-28T09:00:00Z",
            "LastUpdatedBefore": "2026-11-28T11:58:01Z",
        },
    )
    created_recent = sim.client.get(
        "/orders/v0/orders",
        headers=headers,
        params={**base, "CreatedAfter": "2026-11-28T09:00:00Z", "CreatedBefore": "2026-11-28T11:59:00Z"},
    )
    exactly = sim.client.get(
        "/orders/v0/orders",
        headers=headers,
        params={
            **base,
            "LastUpdatedAfter": "2026-11-28T09:00:00Z",
            "LastUpdatedBefore": "2026-11-28T11:58:00Z",
        },
    )
    # then
    for refused in (too_recent, created_recent):
        body = models.validate("ordersV0.getOrders", refused)
        assert refused.status_code == 400
        assert body["errors"][0]["code"] == "InvalidInput"
        assert "at least two minutes before" in body["errors"][0]["message"]
    payload = models.validate("ordersV0.getOrders", exactly)["payload"]
    assert payload["LastUpdatedBefore"] == "2026-11-28T11:58:00Z"
    assert [o["AmazonOrderId"] for o in payload["Orders"]] == ["302-1234567-7654321"]


def test_date_parameters_follow_amazons_combination_rules(sim, models):
    # given
    headers = sim.auth()

    def get(**params):
        response = sim.client.get(
            "/orders/v0/orders", params={"MarketplaceIds": DE, **params}, headers=headers
        )
        return response.status_code, models.validate("ordersV0.getOrders", response)

    # when
    both_after = get(CreatedAfter="2026-11-01T00:00:00Z", LastUpdatedAfter="2026-11-01T00:00:00Z")
    mixed = get(CreatedAfter="2026-11-01T00:00:00Z", LastUpdatedBefore="2026-11-02T00:00:00Z")
    neither = get()
    offset = get(LastUpdatedAfter="2026-11-01T00:00:00+00:00")
    reversed_range = get(CreatedAfter="2026-11-02T00:00:00Z", CreatedBefore="2026-11-01T00:00:00Z")
    no_marketplace = sim.client.get(
        "/orders/v0/orders", params={"CreatedAfter": "2026-11-01T00:00:00Z"}, headers=headers
    )
    # then
    assert both_after == (
        400,
        {
            "errors": [
                {
                    "code": "InvalidInput",
                    "details": "",
                    "message": "Provide exactly one of CreatedAfter and LastUpdatedAfter.",
                }
            ]
        },
    )
    assert mixed[0] == neither[0] == offset[0] == reversed_range[0] == 400
    assert offset[1]["errors"][0]["message"] == "Invalid date/time field [LastUpdatedAfter]"
    assert (
        models.validate("ordersV0.getOrders", no_marketplace)["errors"][0]["message"]
        == "MarketplaceIds is required."
    )


def test_last_updated_after_finds_orders_whose_status_changed(sim, models):
    # given
    sim.post_order(de_order("302-0000001-0000001", LastUpdateDate="2026-11-28T09:00:00Z"))
    sim.post_order(de_order("302-0000002-0000002", LastUpdateDate="2026-11-28T11:00:00Z"))
    headers = sim.auth()
    query = {"MarketplaceIds": DE, "LastUpdatedAfter": "2026-11-28T10:00:00Z"}
    before = sim.client.get("/orders/v0/orders", params=query, headers=headers).json()["payload"]["Orders"]
    # when
    sim.advance("1m")
    sim.client.post("/_sim/orders/302-0000001-0000001/status", json={"OrderStatus": "Canceled"})
    after = models.validate(
        "ordersV0.getOrders", sim.client.get("/orders/v0/orders", params=query, headers=headers)
    )
    # then
    assert [o["AmazonOrderId"] for o in before] == ["302-0000002-0000002"]
    orders = after["payload"]["Orders"]
    assert [(o["AmazonOrderId"], o["OrderStatus"], o["LastUpdateDate"]) for o in orders] == [
        ("302-0000002-0000002", "Unshipped", "2026-11-28T11:00:00Z"),
        ("302-0000001-0000001", "Canceled", "2026-11-28T12:01:00Z"),
    ]
    assert after["payload"]["LastUpdatedBefore"] == "2026-11-28T12:01:00Z"


def test_pending_orders_hide_total_address_and_prices_until_unshipped(sim, models):
    # given
    sim.post_order(de_order(OrderStatus="Pending"))
    headers = sim.auth()
    rdt = _rdt(sim, headers, "/orders/v0/orders/302-1234567-7654321", ["buyerInfo", "shippingAddress"])
    # when
    pending = models.validate(
        "ordersV0.getOrder", sim.client.get("/orders/v0/orders/302-1234567-7654321", headers=rdt)
    )
    pending_items = sim.client.get("/orders/v0/orders/302-1234567-7654321/orderItems", headers=headers)
    sim.client.post("/_sim/orders/302-1234567-7654321/status", json={"OrderStatus": "Unshipped"})
    unshipped = models.validate(
        "ordersV0.getOrder", sim.client.get("/orders/v0/orders/302-1234567-7654321", headers=rdt)
    )
    # then
    order = pending["payload"]
    assert order["OrderStatus"] == "Pending"
    assert not {"OrderTotal", "ShippingAddress", "BuyerInfo", "LatestDeliveryDate"} & set(order)
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 0)
    item = models.validate("ordersV0.getOrderItems", pending_items)["payload"]["OrderItems"][0]
    assert not {"ItemPrice", "ItemTax", "ShippingPrice", "IsGift"} & set(item)
    order = unshipped["payload"]
    assert order["OrderTotal"] == {"CurrencyCode": "EUR", "Amount": "118.79"}
    assert order["ShippingAddress"]["Name"] == "Jürgen Müller"
    assert order["BuyerInfo"]["BuyerEmail"] == "k3x9q2m8w1z7abc@marketplace.amazon.de"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 3)


def test_filters_by_status_channel_marketplace_and_order_ids(sim, models):
    # given
    sim.post_order(de_order("302-0000001-0000001"))
    sim.post_order(de_order("302-0000002-0000002", OrderStatus="Shipped"))
    sim.post_order(de_order("302-0000003-0000003", FulfillmentChannel="AFN"))
    sim.post_order(de_order("202-0000004-0000004", MarketplaceId=UK))
    headers = sim.auth()

    def ids(**params):
        response = sim.client.get("/orders/v0/orders", params=params, headers=headers)
        return [
            o["AmazonOrderId"] for o in models.validate("ordersV0.getOrders", response)["payload"]["Orders"]
        ]

    since = "2026-11-28T00:00:00Z"
    # when / then
    assert ids(
        MarketplaceIds=DE,
        CreatedAfter=since,
        OrderStatuses="Unshipped,PartiallyShipped",
        FulfillmentChannels="MFN",
    ) == ["302-0000001-0000001"]
    assert ids(MarketplaceIds=f"{DE},{UK}", CreatedAfter=since, OrderStatuses="Shipped") == [
        "302-0000002-0000002"
    ]
    assert ids(MarketplaceIds=UK, CreatedAfter=since) == ["202-0000004-0000004"]
    assert ids(MarketplaceIds=DE, AmazonOrderIds="302-0000003-0000003,202-0000004-0000004") == [
        "302-0000003-0000003"
    ]


def test_unknown_orders_are_not_found(sim, models):
    # when
    response = sim.client.get("/orders/v0/orders/999-9999999-9999999", headers=sim.auth())
    # then
    assert response.status_code == 404
    assert models.validate("ordersV0.getOrder", response)["errors"][0]["code"] == "NotFound"


def test_filters_by_delivery_dates_and_easy_ship_status(sim, models):
    # given
    sim.post_order(de_order("302-0000001-0000001", EarliestDeliveryDate="2026-12-01T00:00:00Z"))
    sim.post_order(de_order("302-0000002-0000002", EarliestDeliveryDate="2026-12-05T00:00:00Z",
                            EasyShipShipmentStatus="PendingPickUp"))  # fmt: skip
    headers = sim.auth()

    def ids(**params):
        response = sim.client.get(
            "/orders/v0/orders", params={"MarketplaceIds": DE, **params}, headers=headers
        )
        return [
            o["AmazonOrderId"] for o in models.validate("ordersV0.getOrders", response)["payload"]["Orders"]
        ]

    since = "2026-11-28T00:00:00Z"
    # when / then
    assert ids(CreatedAfter=since, EarliestDeliveryDateAfter="2026-12-02T00:00:00Z") == [
        "302-0000002-0000002"
    ]
    assert ids(CreatedAfter=since, EarliestDeliveryDateBefore="2026-12-02T00:00:00Z") == [
        "302-0000001-0000001"
    ]
    assert ids(CreatedAfter=since, EasyShipShipmentStatuses="PendingPickUp,PickedUp") == [
        "302-0000002-0000002"
    ]

"""Orders API v2026-01-01: the v0 orders mapped faithfully; includedData, search rules, pagination."""

from __future__ import annotations

from .conftest import DE, UK, US, de_order

ALL = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"


def _rich_order():
    order = de_order(
        "302-7777777-0000001",
        SellerOrderId="SHOP-4711",
        ShipmentServiceLevelCategory="Expedited",
        IsBusinessOrder=True,
        IsPrime=True,
        IsIBA=True,
        IsReplacementOrder=True,
        ReplacedOrderId="302-1111111-0000000",
        BuyerCompanyName="Müller & Söhne GmbH",
    )
    order["BuyerInfo"]["PurchaseOrderNumber"] = "PO-2026-0815"
    order["OrderItems"][0].update(
        IsGift="true",
        PromotionIds=["DE-WINTER"],
        PromotionDiscount={"CurrencyCode": "EUR", "Amount": "2.00"},
        PriceDesignation="BusinessPrice",
        BuyerInfo={"GiftMessageText": "Alles Gute, Käthe!", "GiftWrapLevel": "Classic"},
    )
    order["OrderItems"][1]["BuyerRequestedCancel"] = {
        "IsBuyerRequestedCancel": "true",
        "BuyerCancelReason": "Zu spät",
    }
    return order


def test_v2026_get_order_is_the_v0_order_in_the_new_shape(sim, models):
    # given
    sim.post_order(_rich_order())
    headers = sim.auth()
    # when
    v0_order = sim.client.get("/orders/v0/orders/302-7777777-0000001", headers=headers).json()["payload"]
    response = sim.client.get(
        "/orders/2026-01-01/orders/302-7777777-0000001", params={"includedData": ALL}, headers=headers
    )
    # then
    order = models.validate("orders_2026-01-01.getOrder", response)["order"]
    assert order == {
        "orderId": "302-7777777-0000001",
        "orderAliases": [{"aliasId": "SHOP-4711", "aliasType": "SELLER_ORDER_ID"}],
        "createdTime": v0_order["PurchaseDate"],
        "lastUpdatedTime": v0_order["LastUpdateDate"],
        "programs": ["AMAZON_BUSINESS", "INVOICE_BY_AMAZON", "PRIME"],
        "associatedOrders": [
            {"orderId": "302-1111111-0000000", "associationType": "REPLACEMENT_ORIGINAL_ID"}
        ],
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": DE, "marketplaceName": "Amazon.de"},
        "buyer": {
            "buyerName": "Jürgen Müller",
            "buyerEmail": "k3x9q2m8w1z7abc@marketplace.amazon.de",
            "buyerCompanyName": "Müller & Söhne GmbH",
            "buyerPurchaseOrderNumber": "PO-2026-0815",
        },
        "recipient": {
            "deliveryAddress": {
                "name": "Jürgen Müller",
                "addressLine1": "Königsallee 14",
                "city": "Düsseldorf",
                "stateOrRegion": "Nordrhein-Westfalen",
                "postalCode": "40212",
                "countryCode": "DE",
                "phone": "+49 171 1234567",
                "addressType": "RESIDENTIAL",
            }
        },
        "proceeds": {
            "grandTotal": {"amount": "116.79", "currencyCode": "EUR"},
            "breakdowns": [
                {"type": "ITEM", "subtotal": {"amount": "114.80", "currencyCode": "EUR"}},
                {"type": "SHIPPING", "subtotal": {"amount": "3.99", "currencyCode": "EUR"}},
                {"type": "DISCOUNT", "subtotal": {"amount": "-2.00", "currencyCode": "EUR"}},
            ],
        },
        "fulfillment": {
            "fulfillmentStatus": "UNSHIPPED",
            "fulfilledBy": "MERCHANT",
            "fulfillmentServiceLevel": "EXPEDITED",
            "shipByWindow": {
                "earliestDateTime": "2026-11-28T10:00:00Z",
                "latestDateTime": "2026-11-30T23:59:59Z",
            },
            "deliverByWindow": {
                "earliestDateTime": "2026-12-01T00:00:00Z",
                "latestDateTime": "2026-12-03T23:59:59Z",
            },
        },
        "orderItems": [
            {
                "orderItemId": "11111111111111",
                "quantityOrdered": 2,
                "product": {
                    "asin": "B0SIMMUG01",
                    "title": "Kaffeebecher „Morgenmuffel“",
                    "sellerSku": "MUG-01",
                    "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                    "price": {
                        "unitPrice": {"amount": "12.90", "currencyCode": "EUR"},
                        "priceDesignation": "BUSINESS_PRICE",
                    },
                },
                "proceeds": {
                    "proceedsTotal": {"amount": "27.79", "currencyCode": "EUR"},
                    "breakdowns": [
                        {"type": "ITEM", "subtotal": {"amount": "25.80", "currencyCode": "EUR"}},
                        {"type": "SHIPPING", "subtotal": {"amount": "3.99", "currencyCode": "EUR"}},
                        {"type": "DISCOUNT", "subtotal": {"amount": "-2.00", "currencyCode": "EUR"}},
                    ],
                },
                "promotion": {"breakdowns": [{"promotionId": "DE-WINTER"}]},
                "fulfillment": {
                    "quantityFulfilled": 0,
                    "quantityUnfulfilled": 2,
                    "packing": {
                        "giftOption": {"giftMessage": "Alles Gute, Käthe!", "giftWrapLevel": "Classic"}
                    },
                },
            },
            {
                "orderItemId": "22222222222222",
                "quantityOrdered": 1,
                "product": {
                    "asin": "B0SIMLAMP2",
                    "title": "Stehlampe Nordlicht",
                    "sellerSku": "LAMP-02",
                    "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                    "price": {"unitPrice": {"amount": "89.00", "currencyCode": "EUR"}},
                },
                "proceeds": {
                    "proceedsTotal": {"amount": "89.00", "currencyCode": "EUR"},
                    "breakdowns": [{"type": "ITEM", "subtotal": {"amount": "89.00", "currencyCode": "EUR"}}],
                },
                "cancellation": {"cancellationRequest": {"requester": "BUYER", "cancelReason": "Zu spät"}},
                "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 1},
            },
        ],
    }
    assert v0_order["OrderTotal"] == {"CurrencyCode": "EUR", "Amount": "116.79"}


def test_v0_statuses_map_to_v2026_fulfillment_statuses(sim, models):
    # given
    statuses = {
        "PendingAvailability": "PENDING_AVAILABILITY",
        "Pending": "PENDING",
        "Unshipped": "UNSHIPPED",
        "PartiallyShipped": "PARTIALLY_SHIPPED",
        "Shipped": "SHIPPED",
        "Canceled": "CANCELLED",
        "Unfulfillable": "UNFULFILLABLE",
        "InvoiceUnconfirmed": "SHIPPED",
    }
    for n, status in enumerate(statuses):
        sim.post_order(de_order(f"302-000000{n}-0000000", OrderStatus=status))
    headers = sim.auth()
    # when
    response = sim.client.get(
        "/orders/2026-01-01/orders",
        params={"createdAfter": "2026-11-28T00:00:00Z", "includedData": "FULFILLMENT"},
        headers=headers,
    )
    # then
    orders = models.validate("orders_2026-01-01.searchOrders", response)["orders"]
    assert [o["fulfillment"]["fulfillmentStatus"] for o in orders] == list(statuses.values())


def test_service_levels_and_a_cancellation_by_amazon(sim, models):
    # given
    sim.post_order(de_order("202-0000001-0000001", MarketplaceId=UK, ShipmentServiceLevelCategory="NextDay"))
    sim.post_order(de_order("302-0000002-0000002"))
    sim.client.post(
        "/_sim/orders/302-0000002-0000002/status",
        json={"OrderStatus": "Canceled", "CancelReason": "Nicht lieferbar", "CancelledBy": "MERCHANT"},
    )
    headers = sim.auth()
    params = {"includedData": "FULFILLMENT,CANCELLATION"}
    # when
    next_day = sim.client.get("/orders/2026-01-01/orders/202-0000001-0000001", params=params, headers=headers)
    cancelled = sim.client.get(
        "/orders/2026-01-01/orders/302-0000002-0000002", params=params, headers=headers
    )
    # then
    assert models.validate("orders_2026-01-01.getOrder", next_day)["order"]["fulfillment"][
        "fulfillmentServiceLevel"
    ] == ("NEXT_DAY")
    order = models.validate("orders_2026-01-01.getOrder", cancelled)["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert "deliverByWindow" in order["fulfillment"]
    assert order["fulfillment"]["deliverByWindow"] == {"earliestDateTime": "2026-12-01T00:00:00Z"}
    assert order["orderItems"][0]["cancellation"] == {
        "cancellationExecution": {"cancelledBy": "MERCHANT", "cancelReason": "Nicht lieferbar"}
    }
    assert order["orderItems"][0]["fulfillment"] == {"quantityFulfilled": 0, "quantityUnfulfilled": 0}


def test_us_tax_on_top_appears_as_a_tax_breakdown(sim, models, example):
    # given
    order = example("v0_getOrders_200_TEST_CASE_200.json")["payload"]["Orders"][0]
    items = example("v0_getOrderItems_200_TEST_CASE_200.json")["payload"]["OrderItems"]
    sim.post_order({**order, "OrderItems": items})
    # when
    response = sim.client.get(
        "/orders/2026-01-01/orders/902-1845936-5435065",
        params={"includedData": "PROCEEDS,CANCELLATION"},
        headers=sim.auth(),
    )
    # then
    got = models.validate("orders_2026-01-01.getOrder", response)["order"]
    assert got["proceeds"] == {
        "grandTotal": {"amount": "11.01", "currencyCode": "USD"},
        "breakdowns": [
            {"type": "ITEM", "subtotal": {"amount": "10.00", "currencyCode": "USD"}},
            {"type": "TAX", "subtotal": {"amount": "1.01", "currencyCode": "USD"}},
        ],
    }
    assert got["orderItems"][0]["proceeds"]["breakdowns"][1] == {
        "type": "TAX",
        "subtotal": {"amount": "1.01", "currencyCode": "USD"},
        "detailedBreakdowns": [{"subtype": "ITEM", "value": {"amount": "1.01", "currencyCode": "USD"}}],
    }
    assert got["orderItems"][0]["cancellation"] == {
        "cancellationRequest": {"requester": "BUYER", "cancelReason": "Found cheaper somewhere else."}
    }
    assert got["salesChannel"] == {
        "channelName": "AMAZON",
        "marketplaceId": US,
        "marketplaceName": "Amazon.com",
    }


def test_included_data_controls_which_sections_appear(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    path = "/orders/2026-01-01/orders/302-1234567-7654321"
    # when
    basic = models.validate("orders_2026-01-01.getOrder", sim.client.get(path, headers=headers))["order"]
    buyer = models.validate(
        "orders_2026-01-01.getOrder", sim.client.get(path, params={"includedData": "BUYER"}, headers=headers)
    )["order"]
    bad = sim.client.get(path, params={"includedData": "BUYER,ADDRESS"}, headers=headers)
    # then
    assert sorted(basic) == ["createdTime", "lastUpdatedTime", "orderId", "orderItems", "salesChannel"]
    assert sorted(basic["orderItems"][0]) == ["orderItemId", "product", "quantityOrdered"]
    assert sorted(buyer) == [
        "buyer",
        "createdTime",
        "lastUpdatedTime",
        "orderId",
        "orderItems",
        "salesChannel",
    ]
    assert bad.status_code == 400
    assert (
        models.validate("orders_2026-01-01.getOrder", bad)["errors"][0]["message"]
        == "Invalid value for includedData."
    )


def test_pending_orders_carry_no_buyer_recipient_or_proceeds(sim, models):
    # given
    sim.post_order(de_order(OrderStatus="Pending"))
    # when
    response = sim.client.get(
        "/orders/2026-01-01/orders/302-1234567-7654321", params={"includedData": ALL}, headers=sim.auth()
    )
    # then
    order = models.validate("orders_2026-01-01.getOrder", response)["order"]
    assert not {"buyer", "recipient", "proceeds"} & set(order)
    assert order["fulfillment"]["fulfillmentStatus"] == "PENDING"
    assert "price" not in order["orderItems"][0]["product"]


def test_search_orders_paginates_and_agrees_with_get_orders(sim, models):
    # given
    for n in range(5):
        sim.post_order(de_order(f"302-000000{n}-0000000", LastUpdateDate=f"2026-11-28T0{n}:30:00Z"))
    sim.post_order(de_order("302-0000009-0000000", LastUpdateDate="2026-11-27T23:00:00Z"))
    headers = sim.auth()
    # when
    pages, token = [], None
    while True:
        params = (
            {"paginationToken": token}
            if token
            else {"lastUpdatedAfter": "2026-11-28T00:00:00Z", "marketplaceIds": DE, "maxResultsPerPage": 2}
        )
        body = models.validate(
            "orders_2026-01-01.searchOrders",
            sim.client.get("/orders/2026-01-01/orders", params=params, headers=headers),
        )
        pages.append(body)
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
    v0 = sim.client.get(
        "/orders/v0/orders",
        params={"LastUpdatedAfter": "2026-11-28T00:00:00Z", "MarketplaceIds": DE},
        headers=headers,
    ).json()
    # then
    ids = [o["orderId"] for page in pages for o in page["orders"]]
    assert [len(page["orders"]) for page in pages] == [2, 2, 1]
    assert ids == [f"302-000000{n}-0000000" for n in range(5)]
    assert ids == [o["AmazonOrderId"] for o in v0["payload"]["Orders"]]
    assert pages[-1]["lastUpdatedBefore"] == "2026-11-28T12:00:00Z"


def test_search_orders_enforces_the_date_rules_and_filters(sim, models):
    # given
    sim.post_order(de_order("302-0000001-0000001"))
    sim.post_order(de_order("302-0000002-0000002", FulfillmentChannel="AFN", OrderStatus="Shipped"))
    headers = sim.auth()

    def search(**params):
        response = sim.client.get("/orders/2026-01-01/orders", params=params, headers=headers)
        return response.status_code, models.validate("orders_2026-01-01.searchOrders", response)

    # when
    recent = search(createdAfter="2026-11-28T00:00:00Z", createdBefore="2026-11-28T11:59:00Z")
    mixed = search(createdAfter="2026-11-28T00:00:00Z", lastUpdatedBefore="2026-11-28T10:00:00Z")
    none = search(marketplaceIds=DE)
    merchant = search(createdAfter="2026-11-28T00:00:00Z", fulfilledBy="MERCHANT")
    shipped = search(createdAfter="2026-11-28T00:00:00Z", fulfillmentStatuses="SHIPPED,CANCELLED")
    bad_status = search(createdAfter="2026-11-28T00:00:00Z", fulfillmentStatuses="Shipped")
    too_many = search(createdAfter="2026-11-28T00:00:00Z", maxResultsPerPage=101)
    # then
    assert recent[0] == mixed[0] == none[0] == bad_status[0] == too_many[0] == 400
    assert recent[1]["errors"][0]["message"] == (
        "createdBefore must be at least two minutes before the time of the request."
    )
    assert [o["orderId"] for o in merchant[1]["orders"]] == ["302-0000001-0000001"]
    assert [o["orderId"] for o in shipped[1]["orders"]] == ["302-0000002-0000002"]
    assert merchant[1]["createdBefore"] == "2026-11-28T12:00:00Z"


def test_unknown_order_is_not_found_in_v2026(sim, models):
    # when
    response = sim.client.get("/orders/2026-01-01/orders/999-0000000-0000000", headers=sim.auth())
    # then
    assert response.status_code == 404
    assert models.validate("orders_2026-01-01.getOrder", response) == {
        "errors": [
            {"code": "NotFound", "message": "The order 999-0000000-0000000 was not found.", "details": ""}
        ]
    }

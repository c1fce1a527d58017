"""Solicitations v1 (Amazon's 5-30 day review window, once per order) and Messaging sendInvoice."""

from __future__ import annotations

from orderpilot.sandbox.amazon.solicitations import NOT_AVAILABLE, OUTSIDE_WINDOW

from .conftest import DE, US, de_order

ORDER = "302-1234567-7654321"
ACTIONS = f"/solicitations/v1/orders/{ORDER}"
SOLICIT = f"/solicitations/v1/orders/{ORDER}/solicitations/productReviewAndSellerFeedback"


def _ship(sim, headers, order_id=ORDER, ship_date="2026-11-28T11:00:00Z"):
    body = {
        "marketplaceId": DE,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "DHL",
            "trackingNumber": "0034",
            "shipDate": ship_date,
            "orderItems": [
                {"orderItemId": "11111111111111", "quantity": 2},
                {"orderItemId": "22222222222222", "quantity": 1},
            ],
        },
    }
    response = sim.client.post(
        f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=body, headers=headers
    )
    assert response.status_code == 204, response.text


def _actions(sim, models, headers, path=ACTIONS, marketplace=DE):
    response = sim.client.get(path, params={"marketplaceIds": marketplace}, headers=headers)
    return [
        a["name"]
        for a in models.validate("solicitations.getSolicitationActionsForOrder", response)["_links"][
            "actions"
        ]
    ]


def _solicit(sim, models, headers):
    response = sim.client.post(SOLICIT, params={"marketplaceIds": DE}, headers=headers)
    return response.status_code, models.validate(
        "solicitations.createProductReviewAndSellerFeedbackSolicitation", response
    )


def test_review_request_only_inside_the_window_and_once_per_order(sim, models):
    # given an order to be delivered 1–3 Dec (EarliestDeliveryDate 1 Dec, LatestDeliveryDate 3 Dec 23:59:59)
    sim.post_order(de_order())
    _ship(sim, sim.auth())
    # when / then: before 6 Dec nothing is offered and a request is refused
    headers = sim.auth()
    assert _actions(sim, models, headers) == []
    assert _solicit(sim, models, headers) == (
        403,
        {"errors": [{"code": "Unauthorized", "message": OUTSIDE_WINDOW, "details": ""}]},
    )
    # inside the window (now 6 Dec 12:00) the action is offered and accepted once
    sim.advance("8d")
    headers = sim.auth()
    assert _actions(sim, models, headers) == ["productReviewAndSellerFeedback"]
    assert _solicit(sim, models, headers) == (201, {})
    assert _actions(sim, models, headers) == []
    assert _solicit(sim, models, headers) == (
        403,
        {"errors": [{"code": "Unauthorized", "message": NOT_AVAILABLE, "details": ""}]},
    )
    assert sim.client.get("/_sim/solicitations").json() == {
        "solicitations": [
            {
                "amazonOrderId": ORDER,
                "marketplaceId": DE,
                "type": "productReviewAndSellerFeedback",
                "receivedAt": "2026-12-06T12:00:00Z",
            }
        ]
    }


def test_the_window_closes_thirty_days_after_the_latest_delivery_date(sim, models):
    # given
    sim.post_order(de_order())
    _ship(sim, sim.auth())
    # when: 2 Jan 2027 23:59:59 (latest delivery + 30 days) is the last moment; 3 Jan 12:00 is too late
    sim.advance("36d")
    headers = sim.auth()
    # then
    assert _actions(sim, models, headers) == []
    assert _solicit(sim, models, headers)[1]["errors"][0]["message"] == OUTSIDE_WINDOW
    assert sim.client.get("/_sim/solicitations").json() == {"solicitations": []}


def test_without_delivery_dates_the_ship_date_plus_transit_counts(start_sim, models):
    # given
    sim = start_sim(transit_days=3)
    order = de_order()
    del order["EarliestDeliveryDate"], order["LatestDeliveryDate"]
    sim.post_order(order)
    _ship(sim, sim.auth(), ship_date="2026-11-28T12:00:00Z")
    # when: delivered 1 Dec 12:00 → window opens 6 Dec 12:00
    sim.advance("7d23h59m")
    before = _actions(sim, models, sim.auth())
    sim.advance("1m")
    inside = _actions(sim, models, sim.auth())
    # then
    assert (before, inside) == ([], ["productReviewAndSellerFeedback"])


def test_unshipped_orders_and_wrong_marketplaces_are_refused(sim, models):
    # given
    sim.post_order(de_order())
    sim.advance("8d")
    headers = sim.auth()
    # when
    unshipped = _solicit(sim, models, headers)
    wrong = sim.client.get(ACTIONS, params={"marketplaceIds": US}, headers=headers)
    missing = sim.client.get(ACTIONS, headers=headers)
    unknown = sim.client.get(
        "/solicitations/v1/orders/999-0000000-0000000", params={"marketplaceIds": DE}, headers=headers
    )
    # then
    key = "solicitations.getSolicitationActionsForOrder"
    assert unshipped[1]["errors"][0]["message"] == NOT_AVAILABLE
    assert models.validate(key, wrong)["errors"][0]["message"] == "Invalid marketplaceIds"
    assert models.validate(key, missing)["errors"][0]["message"] == (
        "marketplaceIds is required and takes exactly one marketplace id."
    )
    assert unknown.status_code == 404
    assert models.validate(key, unknown)["errors"][0]["code"] == "NotFound"


def test_the_saved_solicitation_actions_example_is_served_for_its_order(sim, models, example):
    # given the example's US order, shipped and delivered a week ago
    order = de_order(
        "123-1234567-1234567",
        MarketplaceId=US,
        OrderStatus="Shipped",
        EarliestDeliveryDate="2026-11-20T00:00:00Z",
        LatestDeliveryDate="2026-11-21T00:00:00Z",
    )
    sim.post_order(order)
    # when
    response = sim.client.get(
        "/solicitations/v1/orders/123-1234567-1234567", params={"marketplaceIds": US}, headers=sim.auth()
    )
    # then
    assert models.validate("solicitations.getSolicitationActionsForOrder", response) == example(
        "solicitations_getSolicitationActionsForOrder_200.json"
    )


def test_send_invoice_is_accepted_and_recorded(sim, models):
    # given an order and its invoice PDF uploaded through the Uploads API
    sim.post_order(de_order())
    headers = sim.auth()
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Page >> endobj\n%%EOF\n"
    destination = sim.upload(headers, pdf, resource=f"messaging/v1/orders/{ORDER}/messages/invoice")
    body = {"attachments": [{"uploadDestinationId": destination, "fileName": "RE-2026-0001.pdf"}]}
    # when
    response = sim.client.post(
        f"/messaging/v1/orders/{ORDER}/messages/invoice",
        params={"marketplaceIds": DE},
        json=body,
        headers=headers,
    )
    # then
    assert response.status_code == 201
    assert models.validate("messaging.sendInvoice", response) == {}
    [message] = sim.client.get("/_sim/messages").json()["messages"]
    assert {k: v for k, v in message.items() if k != "attachments"} == {
        "operation": "sendInvoice",
        "amazonOrderId": ORDER,
        "marketplaceId": DE,
        "receivedAt": "2026-11-28T12:00:00Z",
        "body": body,
    }
    [attachment] = message["attachments"]
    assert (attachment["fileName"], attachment["uploadDestinationId"], attachment["size"]) == (
        "RE-2026-0001.pdf",
        destination,
        len(pdf),
    )
    assert sim.client.get(f"/_sim/uploads/{destination}").content == pdf


def test_send_invoice_needs_attachments_and_the_orders_marketplace(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    path = f"/messaging/v1/orders/{ORDER}/messages/invoice"
    # when
    no_attachments = sim.client.post(path, params={"marketplaceIds": DE}, json={}, headers=headers)
    no_name = sim.client.post(
        path,
        params={"marketplaceIds": DE},
        json={"attachments": [{"uploadDestinationId": "x"}]},
        headers=headers,
    )
    wrong = sim.client.post(path, params={"marketplaceIds": US}, json={"attachments": []}, headers=headers)
    # then
    key = "messaging.sendInvoice"
    assert models.validate(key, no_attachments)["errors"][0]["message"] == (
        "attachments is required: [{uploadDestinationId, fileName}]."
    )
    assert models.validate(key, no_name)["errors"][0]["message"] == (
        "attachments[0] needs uploadDestinationId and fileName."
    )
    assert models.validate(key, wrong)["errors"][0]["message"] == "Invalid marketplaceIds"
    assert sim.client.get("/_sim/messages").json() == {"messages": []}

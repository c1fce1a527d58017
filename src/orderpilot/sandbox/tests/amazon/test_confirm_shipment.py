"""confirmShipment: Amazon's validations, 204 and what a confirmation changes in both Orders APIs."""

from __future__ import annotations

import copy
import threading

import pytest

from .conftest import DE, de_order

ORDER = "302-1234567-7654321"
PATH = f"/orders/v0/orders/{ORDER}/shipmentConfirmation"


def _request(**detail):
    body = {
        "marketplaceId": DE,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "DHL",
            "shippingMethod": "Paket",
            "trackingNumber": "00340434161234567890",
            "shipDate": "2026-11-28T11:30:00Z",
            "orderItems": [
                {"orderItemId": "11111111111111", "quantity": 2},
                {"orderItemId": "22222222222222", "quantity": 1},
            ],
        },
    }
    body["packageDetail"].update(detail)
    return body


@pytest.fixture
def shop(sim):
    sim.post_order(de_order())
    sim.headers = sim.auth()
    return sim


def _confirm(shop, models, body):
    response = shop.client.post(PATH, json=body, headers=shop.headers)
    return response.status_code, models.validate("ordersV0.confirmShipment", response)


def _message(result):
    return result[1]["errors"][0]["message"] if result[1] else None


def test_a_confirmation_answers_204_and_ships_the_order_in_both_apis(shop, models):
    # given
    shop.advance("10m")
    # when
    result = _confirm(shop, models, _request())
    # then
    assert result == (204, None)
    v0 = shop.client.get(f"/orders/v0/orders/{ORDER}", headers=shop.headers).json()["payload"]
    assert (v0["OrderStatus"], v0["LastUpdateDate"]) == ("Shipped", "2026-11-28T12:10:00Z")
    assert (v0["NumberOfItemsShipped"], v0["NumberOfItemsUnshipped"]) == (3, 0)
    items = shop.client.get(f"/orders/v0/orders/{ORDER}/orderItems", headers=shop.headers).json()["payload"]
    assert [i["QuantityShipped"] for i in items["OrderItems"]] == [2, 1]
    v2026 = shop.client.get(
        f"/orders/2026-01-01/orders/{ORDER}",
        params={"includedData": "PACKAGES,FULFILLMENT"},
        headers=shop.headers,
    )
    order = models.validate("orders_2026-01-01.getOrder", v2026)["order"]
    assert order["lastUpdatedTime"] == "2026-11-28T12:10:00Z"
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert order["packages"] == [
        {
            "packageReferenceId": "1",
            "createdTime": "2026-11-28T12:10:00Z",
            "packageStatus": {"status": "SHIPPED"},
            "carrier": "DHL",
            "shipTime": "2026-11-28T11:30:00Z",
            "shippingService": "Paket",
            "trackingNumber": "00340434161234567890",
            "packageItems": [
                {"orderItemId": "11111111111111", "quantity": 2},
                {"orderItemId": "22222222222222", "quantity": 1},
            ],
        }
    ]
    confirmations = shop.client.get("/_sim/shipment-confirmations").json()["confirmations"]
    assert confirmations == [
        {
            "AmazonOrderId": ORDER,
            "source": "confirmShipment",
            "edit": False,
            "receivedAt": "2026-11-28T12:10:00Z",
            "body": _request(),
        }
    ]


def test_two_packages_make_the_order_partially_then_fully_shipped(shop, models):
    # given
    first = _request(orderItems=[{"orderItemId": "11111111111111", "quantity": 1}])
    second = _request(
        packageReferenceId="2",
        carrierCode="Other",
        carrierName="Spedition Huber",
        trackingNumber="HUB-778",
        orderItems=[
            {"orderItemId": "11111111111111", "quantity": 1},
            {"orderItemId": "22222222222222", "quantity": 1},
        ],
    )
    # when
    after_first = _confirm(shop, models, first)
    status_between = shop.client.get(f"/orders/v0/orders/{ORDER}", headers=shop.headers).json()["payload"]
    after_second = _confirm(shop, models, second)
    # then
    assert after_first == after_second == (204, None)
    assert (status_between["OrderStatus"], status_between["NumberOfItemsUnshipped"]) == (
        "PartiallyShipped",
        2,
    )
    order = shop.client.get(
        f"/orders/2026-01-01/orders/{ORDER}",
        params={"includedData": "PACKAGES,FULFILLMENT"},
        headers=shop.headers,
    ).json()["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert [(p["packageReferenceId"], p["carrier"]) for p in order["packages"]] == [
        ("1", "DHL"),
        ("2", "Spedition Huber"),
    ]


def test_package_reference_id_must_be_a_string_of_positive_digits(shop, models):
    # when
    number = _confirm(shop, models, _request(packageReferenceId=1))
    letters = _confirm(shop, models, _request(packageReferenceId="PKG-1"))
    zero = _confirm(shop, models, _request(packageReferenceId="0"))
    # then
    assert number == (
        400,
        {
            "errors": [
                {
                    "code": "InvalidInput",
                    "details": "",
                    "message": (
                        "The input you have submitted is not valid. "
                        "Please check the fields with invalid type [packageDetail.packageReferenceId]."
                    ),
                }
            ]
        },
    )
    assert (
        _message(letters)
        == _message(zero)
        == "PackageReferenceId: is invalid, must be a positive numeric value."
    )
    assert shop.client.get("/_sim/shipment-confirmations").json() == {"confirmations": []}
    rejected = shop.client.get("/_sim/shipment-confirmations", params={"rejected": "true"}).json()["rejected"]
    assert [
        (r["AmazonOrderId"], r["status"], r["body"]["packageDetail"]["packageReferenceId"]) for r in rejected
    ] == [
        (ORDER, 400, 1),
        (ORDER, 400, "PKG-1"),
        (ORDER, 400, "0"),
    ]


def test_carrier_must_be_on_amazons_list_or_other_with_a_name(shop, models):
    # when
    unknown = _confirm(shop, models, _request(carrierCode="DHL Paket"))
    lower = _confirm(shop, models, _request(carrierCode="dhl"))
    other_without_name = _confirm(shop, models, _request(carrierCode="Other"))
    hermes = _confirm(shop, models, _request(carrierCode="Hermes Logistik Gruppe"))
    # then
    assert unknown[0] == lower[0] == other_without_name[0] == 400
    assert _message(unknown) == "Invalid carrierCode [DHL Paket]."
    assert _message(other_without_name) == "Missing required field [packageDetail.carrierName]."
    assert hermes == (204, None)


def test_items_must_belong_to_the_order_and_not_exceed_the_unshipped_quantity(shop, models):
    # when
    unknown = _confirm(shop, models, _request(orderItems=[{"orderItemId": "99999999999999", "quantity": 1}]))
    too_many = _confirm(shop, models, _request(orderItems=[{"orderItemId": "22222222222222", "quantity": 2}]))
    string_quantity = _confirm(
        shop, models, _request(orderItems=[{"orderItemId": "22222222222222", "quantity": "1"}])
    )
    # then
    assert unknown == (
        400,
        {
            "errors": [
                {
                    "code": "InvalidInput",
                    "message": "OrderItemId is invalid",
                    "details": f"99999999999999 is not an item of order {ORDER}.",
                }
            ]
        },
    )
    assert _message(too_many) == "Quantity 2 for orderItemId 22222222222222 exceeds the unshipped quantity 1."
    assert _message(string_quantity) == (
        "The input you have submitted is not valid. Please check the fields with invalid type "
        "[packageDetail.orderItems[0].quantity]."
    )


def test_required_fields_and_an_iso_ship_date(shop, models, example):
    # given
    without_marketplace = _request()
    del without_marketplace["marketplaceId"]
    without_tracking = _request()
    del without_tracking["packageDetail"]["trackingNumber"]
    saved = example("v0_confirmShipment_400_bad_shipDate.json")
    # when
    no_marketplace = _confirm(shop, models, without_marketplace)
    no_package = _confirm(shop, models, {"marketplaceId": DE})
    no_tracking = _confirm(shop, models, without_tracking)
    bad_date = _confirm(shop, models, _request(shipDate=saved["request_body"]["packageDetail"]["shipDate"]))
    wrong_marketplace = _confirm(shop, models, {**_request(), "marketplaceId": "A1F83G8C2ARO7P"})
    # then
    assert _message(no_marketplace) == "Missing required field [marketplaceId]."
    assert _message(no_package) == "Missing required field [packageDetail]."
    assert _message(no_tracking) == "Missing required field [packageDetail.trackingNumber]."
    assert bad_date == (400, saved["response"])
    assert _message(wrong_marketplace) == "Invalid marketplaceId"


def test_the_same_package_twice_is_a_duplicate_but_changed_details_edit_it(shop, models):
    # given
    assert _confirm(shop, models, _request()) == (204, None)
    # when
    duplicate = _confirm(shop, models, _request())
    edit = _confirm(shop, models, _request(trackingNumber="00340434169999999999"))
    new_package = _confirm(shop, models, _request(packageReferenceId="2"))
    # then
    assert duplicate == (
        400,
        {
            "errors": [
                {
                    "code": "InvalidInput",
                    "message": "Duplicate package confirmation.",
                    "details": f"Package 1 of order {ORDER} was already confirmed with these details.",
                }
            ]
        },
    )
    assert edit == (204, None)
    assert _message(new_package) == (
        "Failed to create package due to not finding a matching package or order already fulfilled."
    )
    packages = shop.client.get(
        f"/orders/2026-01-01/orders/{ORDER}", params={"includedData": "PACKAGES"}, headers=shop.headers
    ).json()["order"]["packages"]
    assert [(p["packageReferenceId"], p["trackingNumber"]) for p in packages] == [
        ("1", "00340434169999999999")
    ]
    confirmations = shop.client.get("/_sim/shipment-confirmations").json()["confirmations"]
    assert [c["edit"] for c in confirmations] == [False, True]


def test_only_unshipped_or_partially_shipped_orders_can_be_confirmed(sim, models):
    # given
    sim.post_order(de_order("302-0000001-0000001", OrderStatus="Pending"))
    sim.post_order(de_order("302-0000002-0000002", OrderStatus="Canceled"))
    headers = sim.auth()
    body = _request()
    # when
    pending = sim.client.post(
        "/orders/v0/orders/302-0000001-0000001/shipmentConfirmation", json=body, headers=headers
    )
    canceled = sim.client.post(
        "/orders/v0/orders/302-0000002-0000002/shipmentConfirmation",
        json=copy.deepcopy(body),
        headers=headers,
    )
    unknown = sim.client.post(
        "/orders/v0/orders/999-0000000-0000000/shipmentConfirmation", json=body, headers=headers
    )
    # then
    key = "ordersV0.confirmShipment"
    assert models.validate(key, pending)["errors"][0]["message"] == (
        "The order is Pending; only Unshipped or PartiallyShipped orders can be confirmed."
    )
    assert models.validate(key, canceled)["errors"][0]["message"] == (
        "The order is Canceled; only Unshipped or PartiallyShipped orders can be confirmed."
    )
    assert unknown.status_code == 404
    assert models.validate(key, unknown)["errors"][0]["code"] == "NotFound"


def test_the_package_counts_as_delivered_after_the_transit_time(shop, models):
    # given
    assert _confirm(shop, models, _request())[0] == 204
    # when
    shop.advance("2d")
    order = shop.client.get(
        f"/orders/2026-01-01/orders/{ORDER}", params={"includedData": "PACKAGES"}, headers=shop.auth()
    ).json()["order"]
    # then
    assert order["packages"][0]["packageStatus"] == {"status": "DELIVERED"}


def test_concurrent_confirmations_never_ship_more_than_was_ordered(start_sim):
    # given: 10 units open, 20 clients each confirming one unit in its own package at the same time
    sim = start_sim(relaxed=True)
    order = de_order()
    order["OrderItems"] = [{**order["OrderItems"][0], "QuantityOrdered": 10}]
    sim.post_order(order)
    headers = sim.auth()
    barrier, statuses = threading.Barrier(20), []

    def confirm(n):
        body = _request(
            packageReferenceId=str(n), orderItems=[{"orderItemId": "11111111111111", "quantity": 1}]
        )
        barrier.wait()
        statuses.append(sim.client.post(PATH, json=body, headers=headers).status_code)

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(1, 21)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(statuses) == [204] * 10 + [400] * 10
    stored = sim.client.get(f"/_sim/orders/{ORDER}").json()
    assert (stored["OrderStatus"], stored["OrderItems"][0]["QuantityShipped"]) == ("Shipped", 10)

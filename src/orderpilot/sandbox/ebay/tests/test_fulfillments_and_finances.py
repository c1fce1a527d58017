from .conftest import order_body

FULFILL = "/sell/fulfillment/v1/order/12-03955-36441/shipping_fulfillment"


def _package(**changes):
    body = {"lineItems": [{"lineItemId": "10043519827901", "quantity": 2}], "shippedDate": "2026-03-02T08:45:00.000Z",
            "shippingCarrierCode": "DHL", "trackingNumber": "00340434161094042557"}  # fmt: skip
    body.update(changes)
    return body


def test_shipping_fulfillment_is_created_with_location_and_recorded(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    response = sim.api("POST", FULFILL, json=_package())
    # then
    assert response.status_code == 201
    assert response.json() == {}
    assert response.headers["Location"] == f"{sim.url}{FULFILL}/00340434161094042557"
    assert sim.http.get("/_sim/fulfillments").json() == {
        "fulfillments": [{"orderId": "12-03955-36441", "fulfillmentId": "00340434161094042557", "request": _package(),
                          "receivedAt": "2026-03-02T09:00:00.000Z"}]
    }  # fmt: skip
    listed = sim.api("GET", FULFILL).json()
    assert listed["total"] == 1
    assert listed["fulfillments"][0]["shipmentTrackingNumber"] == "00340434161094042557"
    order = sim.api("GET", "/sell/fulfillment/v1/order/12-03955-36441").json()
    assert order["orderFulfillmentStatus"] == "FULFILLED"
    assert order["fulfillmentHrefs"] == [response.headers["Location"]]


def test_refused_fulfillments_change_nothing(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    answers = [
        sim.api("POST", FULFILL, json=_package(lineItems=[{"lineItemId": "999", "quantity": 1}])),
        sim.api("POST", FULFILL, json=_package(shippingCarrierCode="Carrier Pigeon")),
        sim.api("POST", FULFILL, json=_package(trackingNumber="0034 0434")),
        sim.api("POST", FULFILL, json=_package(shippedDate="2026-03-09T00:00:00.000Z")),
        sim.api("POST", "/sell/fulfillment/v1/order/99-99999-99999/shipping_fulfillment", json=_package()),
    ]
    # then
    assert [(a.status_code, a.json()["errors"][0]["errorId"]) for a in answers] == [
        (400, 32200), (400, 32300), (400, 32300), (400, 32500), (400, 32100),
    ]  # fmt: skip
    assert sim.http.get("/_sim/fulfillments").json() == {"fulfillments": []}
    assert sim.api("GET", "/sell/fulfillment/v1/order/12-03955-36441").json()["orderFulfillmentStatus"] == (
        "NOT_STARTED"
    )


def test_payout_with_a_sale_of_a_known_order_is_priced_like_ebay(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    posted = sim.http.post(
        "/_sim/payouts",
        json={"payoutDate": "2026-03-02T06:00:00.000Z", "transactions": [
            {"transactionType": "SALE", "orderId": "12-03955-36441"},
            {"transactionType": "SHIPPING_LABEL", "amount": {"value": "5.49", "currency": "EUR"}},
        ]},
    )  # fmt: skip
    # then
    assert posted.status_code == 201
    payout = posted.json()
    sale, label = payout["transactions"]
    assert sale["totalFeeBasisAmount"] == {"value": "30.70", "currency": "EUR"}
    assert sale["totalFeeAmount"] == {"value": "3.73", "currency": "EUR"}
    assert sale["amount"] == {"value": "26.97", "currency": "EUR"}
    assert (sale["bookingEntry"], label["bookingEntry"]) == ("CREDIT", "DEBIT")
    assert payout["amount"] == {"value": "21.48", "currency": "EUR"}
    assert (payout["payoutId"], payout["payoutStatus"], payout["transactionCount"]) == ("7000000001", "SUCCEEDED", 2)


def test_get_payouts_and_transactions_filter_page_and_answer_204_when_empty(sim):
    # given two payouts
    for day in ("2026-02-27", "2026-03-01"):
        sim.http.post("/_sim/payouts", json={"payoutDate": f"{day}T06:00:00.000Z", "transactions": [
            {"transactionType": "SALE", "orderId": "x", "amount": {"value": "10.00", "currency": "EUR"}}]})  # fmt: skip
    # when
    payouts = sim.api("GET", "/sell/finances/v1/payout", params={"filter": "payoutDate:[2026-02-28T00:00:00.000Z..]"})
    transactions = sim.api("GET", "/sell/finances/v1/transaction", params={"filter": "payoutId:{7000000002}"})
    nothing = sim.api("GET", "/sell/finances/v1/payout", params={"filter": "payoutStatus:{REVERSED}"})
    bad_status = sim.api("GET", "/sell/finances/v1/payout", params={"filter": "payoutStatus:{LOST}"})
    # then
    assert [p["payoutId"] for p in payouts.json()["payouts"]] == ["7000000002"]
    assert [t["transactionId"] for t in transactions.json()["transactions"]] == ["7000000002-0001"]
    assert (nothing.status_code, nothing.content) == (204, b"")
    assert (bad_status.status_code, bad_status.json()["errors"][0]["errorId"]) == (400, 135002)

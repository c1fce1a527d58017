import os

from orderpilot.core.registry import resolve
from orderpilot.sandbox.registry import SIMULATORS

from .conftest import order_body

ORDERS = "/sell/fulfillment/v1/order"


def test_posted_order_is_completed_with_what_ebay_always_sends(sim):
    # when
    response = sim.http.post("/_sim/orders", json=order_body())
    # then
    assert response.status_code == 201
    order = response.json()
    assert (order["orderFulfillmentStatus"], order["orderPaymentStatus"]) == ("NOT_STARTED", "PAID")
    assert order["cancelStatus"] == {"cancelState": "NONE_REQUESTED", "cancelRequests": []}
    assert order["pricingSummary"] == {
        "priceSubtotal": {"value": "25.80", "currency": "EUR"},
        "deliveryCost": {"value": "4.90", "currency": "EUR"},
        "total": {"value": "30.70", "currency": "EUR"},
    }
    item = order["lineItems"][0]
    assert item["total"] == {"value": "30.70", "currency": "EUR"}
    assert item["lineItemFulfillmentInstructions"]["shipByDate"] == "2026-03-04T08:30:00.000Z"
    assert order["paymentSummary"]["payments"][0]["paymentStatus"] == "PAID"


def test_posting_an_order_without_line_items_is_refused_and_nothing_is_stored(sim):
    # when
    response = sim.http.post("/_sim/orders", json=order_body(lineItems=[]))
    # then
    assert response.status_code == 400
    assert response.json() == {"error": "lineItems must be a non-empty list of LineItem objects"}
    assert sim.http.get("/_sim/orders").json() == {"orders": []}


def test_get_orders_filters_by_last_modified_date_and_pages_by_offset(sim):
    # given three orders, one modified before the window
    sim.http.post("/_sim/orders", json=order_body(orderId="01-00000-00001", creationDate="2026-03-01T10:00:00.000Z",
                                                  lastModifiedDate="2026-03-01T10:00:00.000Z"))  # fmt: skip
    sim.http.post("/_sim/orders", json=order_body(orderId="01-00000-00002", creationDate="2026-03-02T07:00:00.000Z",
                                                  lastModifiedDate="2026-03-02T07:00:00.000Z"))  # fmt: skip
    sim.http.post("/_sim/orders", json=order_body(orderId="01-00000-00003", creationDate="2026-03-02T08:00:00.000Z",
                                                  lastModifiedDate="2026-03-02T08:00:00.000Z"))  # fmt: skip
    params = {"filter": "lastmodifieddate:[2026-03-02T00:00:00.000Z..]", "limit": "1"}
    # when
    first = sim.api("GET", ORDERS, params=params).json()
    second = sim.api("GET", ORDERS, params={**params, "offset": "1"}).json()
    # then
    assert (first["total"], first["limit"], first["offset"]) == (2, 1, 0)
    assert [o["orderId"] for o in first["orders"]] == ["01-00000-00003"]
    assert "offset=1" in first["next"]
    assert [o["orderId"] for o in second["orders"]] == ["01-00000-00002"]
    assert "next" not in second


def test_get_orders_refuses_bad_filters_with_ebays_error_ids(sim):
    # when
    cases = {
        "creationdate:[2025-11-01T00:00:00.000Z..]": 30830,
        "lastmodifieddate:[2026-03-05T00:00:00.000Z..]": 30850,
        "lastmodifieddate:[yesterday..]": 30810,
        "lastmodifieddate:[..2026-03-01T00:00:00.000Z]": 30820,
        "modifieddate:[2026-03-01T00:00:00.000Z..]": 30700,
        "orderfulfillmentstatus:{FULFILLED}": 30800,
    }
    answers = {f: sim.api("GET", ORDERS, params={"filter": f}) for f in cases}
    # then
    assert {f: (r.status_code, r.json()["errors"][0]["errorId"]) for f, r in answers.items()} == {
        f: (400, error_id) for f, error_id in cases.items()
    }
    assert sim.api("GET", ORDERS, params={"limit": "1001"}).json()["errors"][0]["errorId"] == 31100


def test_cancellation_shows_in_get_order_and_hides_cancel_requests_in_get_orders(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    sim.http.post("/_sim/orders/12-03955-36441/cancel", json={"cancelState": "CANCELED"})
    single = sim.api("GET", f"{ORDERS}/12-03955-36441").json()
    listed = sim.api("GET", ORDERS, params={"orderIds": "12-03955-36441"}).json()["orders"][0]
    # then
    assert single["cancelStatus"]["cancelState"] == "CANCELED"
    assert [r["cancelRequestState"] for r in single["cancelStatus"]["cancelRequests"]] == ["COMPLETED"]
    assert listed["cancelStatus"]["cancelRequests"] == []
    assert single["orderPaymentStatus"] == "FULLY_REFUNDED"
    assert single["paymentSummary"]["refunds"][0]["amount"] == {"value": "30.70", "currency": "EUR"}
    assert single["lastModifiedDate"] == "2026-03-02T09:00:00.000Z"


def test_daily_call_limit_answers_429_until_the_next_pacific_day(sim_factory):
    # given a Fulfillment API limit of two calls a day
    sim = sim_factory(daily_limits={"sell.fulfillment": 2})
    token = sim.token()
    headers = {"Authorization": f"Bearer {token}"}
    # when
    statuses = [sim.http.get(ORDERS, headers=headers).status_code for _ in range(3)]
    refused = sim.http.get(ORDERS, headers=headers)
    sim.http.post("/_sim/clock", json={"advance": "1d"})
    next_day = sim.http.get(ORDERS, headers={"Authorization": f"Bearer {sim.token()}"})
    # then
    assert statuses == [200, 200, 429]
    assert refused.json()["errors"][0]["errorId"] == 2001
    assert next_day.status_code == 200


def test_relaxed_simulator_does_not_enforce_daily_limits(sim_factory):
    # given
    sim = sim_factory(relaxed=True, daily_limits={"sell.fulfillment": 1})
    headers = {"Authorization": f"Bearer {sim.token()}"}
    # when
    statuses = [sim.http.get(ORDERS, headers=headers).status_code for _ in range(3)]
    # then
    assert statuses == [200, 200, 200]


def test_injected_faults_fail_exactly_the_next_calls_then_clear(sim):
    # given
    token = sim.token()
    sim.http.post("/_sim/faults", json={"status": 503, "count": 2, "operations": ["getOrders"]})
    # when
    statuses = [sim.http.get(ORDERS, headers={"Authorization": f"Bearer {token}"}).status_code for _ in range(3)]
    # then
    assert statuses == [503, 503, 200]
    assert [r["status"] for r in sim.http.get("/_sim/requests").json()["requests"] if r["operation"] == "getOrders"] \
        == [503, 503, 200]  # fmt: skip


def test_generator_adds_an_order_for_every_interval_on_the_simulator_clock(sim_factory):
    # given
    sim = sim_factory(generate_every=60)
    token = sim.token()  # the first call starts the generator's clock
    # when
    sim.http.post("/_sim/clock", json={"advance": "3m"})
    body = sim.http.get(ORDERS, headers={"Authorization": f"Bearer {token}"}).json()
    # then
    assert body["total"] == 3
    assert all(o["lineItems"] and o["fulfillmentStartInstructions"] for o in body["orders"])


def test_generation_interval_comes_from_the_environment_when_not_given(sim_factory, monkeypatch):
    # given
    monkeypatch.setitem(os.environ, "ORDERPILOT_SIM_EBAY_GENERATE_EVERY", "30s")
    # when
    sim = sim_factory()
    # then
    assert sim.app.generator.every.total_seconds() == 30


def test_reset_forgets_orders_tokens_and_the_clock(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    sim.http.post("/_sim/clock", json={"advance": "1h"})
    sim.token()
    # when
    sim.http.post("/_sim/reset")
    # then
    assert sim.http.get("/_sim/orders").json() == {"orders": []}
    assert sim.http.get("/_sim/clock").json() == {"now": "2026-03-02T09:00:00.000Z"}
    assert sim.app.tokens.issued == 0


def test_cli_registry_serves_the_ebay_simulator():
    # when
    app = resolve(SIMULATORS["ebay"])(relaxed=True)
    # then
    assert app.quota.enabled is False

"""Rate limits (token buckets on the simulator clock), relaxed mode, fault injection and reset."""

from __future__ import annotations

import re
import time

from orderpilot.sandbox.amazon.ratelimit import USAGE_PLANS

from .conftest import DE, de_order

QUERY = {"MarketplaceIds": DE, "CreatedAfter": "2026-11-01T00:00:00Z"}
QUOTA = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


def test_get_orders_allows_its_burst_then_answers_429(sim, models):
    # given
    headers = sim.auth()
    # when
    burst = [sim.client.get("/orders/v0/orders", params=QUERY, headers=headers) for _ in range(20)]
    throttled = sim.client.get("/orders/v0/orders", params=QUERY, headers=headers)
    # then
    assert [r.status_code for r in burst] == [200] * 20
    assert {r.headers["x-amzn-RateLimit-Limit"] for r in burst} == {"0.0167"}
    assert throttled.status_code == 429
    assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert models.validate("ordersV0.getOrders", throttled) == QUOTA


def test_the_bucket_refills_at_the_published_rate(sim, models):
    # given: confirmShipment, 2 per second, burst 10
    sim.post_order(de_order())
    headers = sim.auth()
    path = "/orders/v0/orders/302-1234567-7654321/shipmentConfirmation"
    for _ in range(10):
        assert sim.client.post(path, json={}, headers=headers).status_code == 400
    assert sim.client.post(path, json={}, headers=headers).status_code == 429
    # when
    sim.advance("1s")
    refilled = [sim.client.post(path, json={}, headers=headers).status_code for _ in range(3)]
    # then
    assert refilled == [400, 400, 429]


def test_search_orders_refills_one_call_per_three_minutes(sim):
    # given
    headers = sim.auth()
    params = {"createdAfter": "2026-11-01T00:00:00Z"}
    statuses = [
        sim.client.get("/orders/2026-01-01/orders", params=params, headers=headers).status_code
        for _ in range(21)
    ]
    # when
    sim.advance("2m")
    early = sim.client.get("/orders/2026-01-01/orders", params=params, headers=headers)
    sim.advance("59s")
    later = sim.client.get("/orders/2026-01-01/orders", params=params, headers=headers)
    # then
    assert statuses == [200] * 20 + [429]
    assert (early.status_code, later.status_code) == (429, 200)
    assert later.headers["x-amzn-RateLimit-Limit"] == "0.0056"


def test_relaxed_mode_never_throttles(start_sim):
    # given
    sim = start_sim(relaxed=True)
    headers = sim.auth()
    # when
    statuses = {
        sim.client.get("/orders/v0/orders", params=QUERY, headers=headers).status_code for _ in range(40)
    }
    # then
    assert statuses == {200}


def test_every_simulated_operation_has_the_models_published_plan(models):
    # given
    table = re.compile(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|")
    # when
    published = {}
    for key in USAGE_PLANS:
        match = table.search(models.operation(key)[1]["description"])
        published[key] = (match.group(1), int(match.group(2))) if match else None
    # then: sendInvoice has no plan in the model; it gets Messaging's 1 rps / burst 5
    assert published.pop("messaging.sendInvoice") is None
    assert published == {k: (p.rate, p.burst) for k, p in USAGE_PLANS.items() if k != "messaging.sendInvoice"}


def test_injected_faults_hit_only_the_listed_operations_until_cleared(sim, models):
    # given
    headers = sim.auth()
    configured = sim.client.post(
        "/_sim/faults", json={"status": 503, "rate": 1.0, "operations": ["getOrders"]}
    )
    # when
    faulty = sim.client.get("/orders/v0/orders", params=QUERY, headers=headers)
    other = sim.client.get(
        "/orders/2026-01-01/orders", params={"createdAfter": "2026-11-01T00:00:00Z"}, headers=headers
    )
    sim.client.post("/_sim/faults", json={"rate": 0})
    cleared = sim.client.get("/orders/v0/orders", params=QUERY, headers=headers)
    # then
    assert configured.json() == {
        "status": 503,
        "rate": 1.0,
        "operations": ["getOrders"],
        "timeout_seconds": None,
    }
    assert faulty.status_code == 503
    assert faulty.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert models.validate("ordersV0.getOrders", faulty) == {
        "errors": [
            {
                "code": "ServiceUnavailable",
                "message": "Service temporarily unavailable. Please try again.",
                "details": "",
            }
        ]
    }
    assert other.status_code == 200
    assert cleared.status_code == 200


def test_fault_rate_is_a_share_of_calls(start_sim):
    # given
    sim = start_sim(relaxed=True, seed=11)
    headers = sim.auth()
    sim.client.post("/_sim/faults", json={"status": 500, "rate": 0.5})
    # when
    statuses = [
        sim.client.get("/orders/v0/orders", params=QUERY, headers=headers).status_code for _ in range(60)
    ]
    # then
    assert set(statuses) == {200, 500}
    assert 15 <= statuses.count(500) <= 45


def test_a_timeout_fault_hangs_the_call_then_lets_it_through(sim):
    # given
    headers = sim.auth()
    sim.client.post(
        "/_sim/faults",
        json={"timeout": True, "timeout_seconds": 0.4, "rate": 1.0, "operations": ["ordersV0.getOrders"]},
    )
    # when
    started = time.monotonic()
    response = sim.client.get("/orders/v0/orders", params=QUERY, headers=headers)
    elapsed = time.monotonic() - started
    # then
    assert response.status_code == 200
    assert elapsed >= 0.4


def test_bad_fault_settings_are_refused(sim):
    # when
    bad_status = sim.client.post("/_sim/faults", json={"status": 404, "rate": 1})
    bad_rate = sim.client.post("/_sim/faults", json={"status": 500, "rate": 2})
    nothing = sim.client.post("/_sim/faults", json={"rate": 0.5})
    # then
    assert (bad_status.status_code, bad_status.json()) == (
        400,
        {"error": "status must be one of [429, 500, 503]"},
    )
    assert (bad_rate.status_code, bad_rate.json()) == (
        400,
        {"error": "rate must be a number from 0.0 to 1.0"},
    )
    assert nothing.json() == {"error": "give a status (429, 500, 503) and/or timeout: true"}


def test_reset_forgets_orders_tokens_faults_and_the_clock(sim):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    sim.client.post("/_sim/faults", json={"status": 500, "rate": 1.0})
    sim.advance("3d")
    # when
    reset = sim.client.post("/_sim/reset")
    old_token = sim.client.get("/orders/v0/orders", params=QUERY, headers=headers)
    fresh = sim.client.get("/orders/v0/orders", params=QUERY, headers=sim.auth())
    # then
    assert reset.json() == {"reset": True, "now": "2026-11-28T12:00:00Z"}
    assert old_token.status_code == 403
    assert fresh.status_code == 200
    assert fresh.json()["payload"]["Orders"] == []
    assert sim.client.get("/_sim/orders").json() == {"orders": []}

import os

from orderpilot.core.registry import resolve
from orderpilot.sandbox.registry import SIMULATORS

from .conftest import order_body


def test_posted_order_is_completed_like_the_shop_stores_it(sim):
    # when
    response = sim.http.post("/_sim/orders", json=order_body())
    # then
    assert response.status_code == 201
    order = response.json()
    assert (order["id"], order["statusId"], order["purchaseDate"]) == (400001, 1, "2026-03-02 10:00:00")
    assert order["items"][0]["finalPrice"] == 25.8
    assert [(t["class"], t["value"], t["valueText"]) for t in order["totals"]] == [
        ("ot_subtotal", 25.8, "25,80 EUR"), ("ot_total", 25.8, "25,80 EUR"),
    ]  # fmt: skip
    assert order["addresses"]["billing"] == order["addresses"]["delivery"]
    assert order["statusHistory"] == [{"id": 1, "statusId": 1, "dateAdded": "2026-03-02 10:00:00", "comment": "",
                                       "customerNotified": True}]  # fmt: skip


def test_orders_without_payment_type_or_with_an_unknown_country_are_refused(sim):
    # when
    no_payment = sim.http.post("/_sim/orders", json=order_body(paymentType=None))
    bad_address = order_body()
    bad_address["addresses"]["delivery"]["countryId"] = 999
    bad_country = sim.http.post("/_sim/orders", json=bad_address)
    # then
    assert no_payment.status_code == 400
    assert bad_country.json()["error"].startswith("addresses.delivery.countryId must be one of the shop's countries")
    assert sim.http.get("/_sim/orders").json() == {"orders": []}


def test_requests_need_the_administrators_basic_credentials(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    anonymous = sim.http.get("/api.php/v2/orders")
    wrong = sim.http.get("/api.php/v2/orders", auth=("api@shop.example", "guess"))
    # then
    assert anonymous.status_code == 401
    assert anonymous.json() == {"code": 401, "status": "error", "message": "Invalid Credentials",
                                "request": {"method": "GET", "url": sim.url, "path": "/api.php/v2/orders",
                                            "uri": {"root": "/api.php", "resource": "/v2/orders"}}}  # fmt: skip
    assert wrong.status_code == 401


def test_list_items_and_the_full_order(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    [item] = sim.api("GET", "/orders").json()
    full = sim.api("GET", "/orders/400001").json()
    missing = sim.api("GET", "/orders/1")
    # then
    assert (item["id"], item["statusName"], item["totalSum"], item["customerName"]) == (
        400001, "Offen", "25,80 EUR", "Max Mustermann",
    )  # fmt: skip
    assert item["deliveryAddress"]["countryIsoCode"] == "DE"
    assert (full["customer"]["number"], full["paymentType"]["module"]) == ("K10042", "moneyorder")
    assert (missing.status_code, missing.json()["message"]) == (404, "Record could not be found.")


def test_modified_change_history_lists_orders_changed_since_a_shop_time(sim):
    # given an order bought at 10:00 and one at 11:00, then the first one is paid at 12:00
    sim.http.post("/_sim/orders", json=order_body())
    sim.http.post("/_sim/clock", json={"advance": "1h"})
    sim.http.post("/_sim/orders", json=order_body())
    sim.http.post("/_sim/clock", json={"advance": "1h"})
    sim.http.post("/_sim/orders/400001/status", json={"statusId": 2, "comment": "Zahlung eingegangen"})
    # when
    since_1030 = sim.api("GET", "/orders", params={"modified": "2026-03-02 10:30:00", "sort": "+id"}).json()
    since_1130 = sim.api("GET", "/orders", params={"modified": "2026-03-02 11:30:00"}).json()
    paged = sim.api("GET", "/orders", params={"modified": "2026-03-02 10:30:00", "sort": "+id", "page": "2",
                                              "per_page": "1"}).json()  # fmt: skip
    bad = sim.api("GET", "/orders", params={"modified": "2026-03-02"})
    # then
    assert [o["id"] for o in since_1030["modified"]] == [400001, 400002]
    assert since_1030["deleted"] == []
    assert [(o["id"], o["statusName"]) for o in since_1130["modified"]] == [(400001, "In Bearbeitung")]
    assert [o["id"] for o in paged["modified"]] == [400002]
    assert (bad.status_code, bad.json()["message"]) == (
        400, "Given modified date is invalid. Expected format: 2018-09-25 15:59:01",
    )  # fmt: skip


def test_status_and_tracking_code_writes_are_recorded_as_received(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    code = sim.api("POST", "/orders/400001/tracking_codes",
                   json={"trackingCode": "00340434161094042557", "parcelServiceId": "1", "languageId": "2"})
    status = sim.api("PATCH", "/orders/400001/status",
                     json={"statusId": 3, "comment": "Versendet", "customerNotified": False})  # fmt: skip
    # then
    assert code.status_code == 201
    assert code.json()[0]["url"].endswith("piececode=00340434161094042557")
    assert status.json() == {"id": 2, "statusId": 3, "dateAdded": "2026-03-02 10:00:00", "comment": "Versendet",
                             "customerNotified": False}  # fmt: skip
    assert [(u["kind"], u["request"]) for u in sim.http.get("/_sim/status-updates").json()["updates"]] == [
        ("tracking_code", {"trackingCode": "00340434161094042557", "parcelServiceId": "1", "languageId": "2"}),
        ("status", {"statusId": 3, "comment": "Versendet", "customerNotified": False}),
    ]
    assert sim.api("GET", "/orders").json()[0]["trackingLinks"] == [code.json()[0]["url"]]


def test_refused_writes_change_nothing(sim):
    # given
    sim.http.post("/_sim/orders", json=order_body())
    # when
    answers = [
        sim.api("POST", "/orders/400001/tracking_codes", json={"trackingCode": "X1", "parcelServiceId": "77"}),
        sim.api("POST", "/orders/400001/tracking_codes", json={"trackingCode": "", "parcelServiceId": "1"}),
        sim.api("PATCH", "/orders/400001/status", json={"statusId": 42}),
        sim.api("PATCH", "/orders/400001/status", content=b'{"statusId": 3}', headers={"Content-Type": "text/plain"}),
    ]
    # then
    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert sim.http.get("/_sim/status-updates").json() == {"updates": []}
    assert sim.api("GET", "/orders/400001").json()["statusId"] == 1


def test_faults_and_the_generator(sim_factory, monkeypatch):
    # given
    monkeypatch.setitem(os.environ, "ORDERPILOT_SIM_GAMBIO_GENERATE_EVERY", "1m")
    sim = sim_factory()
    sim.api("GET", "/order_statuses")  # starts the generator's clock
    sim.http.post("/_sim/faults", json={"status": 503, "count": 1, "operations": ["getOrders"]})
    # when
    sim.http.post("/_sim/clock", json={"advance": "4m"})
    failed = sim.api("GET", "/orders")
    listed = sim.api("GET", "/orders").json()
    # then
    assert failed.status_code == 503
    assert len(listed) == 4
    assert {o["paymentType"]["module"] for o in listed} <= {"moneyorder", "paypal3", "cod", "invoice"}


def test_parcel_services_and_cli_registry(sim):
    services = sim.api("GET", "/parcel_services").json()
    assert [(s["id"], s["name"], s["isDefault"]) for s in services][:2] == [(1, "DHL", True), (2, "DPD", False)]
    assert resolve(SIMULATORS["gambio"])(relaxed=True).zone.key == "Europe/Berlin"

"""Login with Amazon, the x-amz-access-token check, and Restricted Data Tokens gating personal data."""

from __future__ import annotations

from orderpilot.sandbox.amazon.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    Credentials,
)

from .conftest import DE, de_order

FORM = {
    "grant_type": "refresh_token",
    "refresh_token": DEFAULT_REFRESH_TOKEN,
    "client_id": DEFAULT_CLIENT_ID,
    "client_secret": DEFAULT_CLIENT_SECRET,
}
DENIED = {
    "errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}]
}


def test_refresh_token_exchange_issues_a_bearer_token_for_an_hour(sim):
    # when
    response = sim.client.post("/auth/o2/token", data=FORM)
    # then
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["access_token", "expires_in", "refresh_token", "token_type"]
    assert body["access_token"].startswith("Atza|")
    assert (body["token_type"], body["expires_in"], body["refresh_token"]) == (
        "bearer",
        3600,
        DEFAULT_REFRESH_TOKEN,
    )


def test_wrong_client_credentials_are_refused_as_invalid_client(sim):
    # when
    wrong_id = sim.client.post(
        "/auth/o2/token", data={**FORM, "client_id": "amzn1.application-oa2-client.other"}
    )
    wrong_secret = sim.client.post("/auth/o2/token", data={**FORM, "client_secret": "guess"})
    # then
    expected = {"error_description": "Client authentication failed", "error": "invalid_client"}
    assert (wrong_id.status_code, wrong_id.json()) == (401, expected)
    assert (wrong_secret.status_code, wrong_secret.json()) == (401, expected)


def test_wrong_refresh_token_is_refused_as_invalid_grant(sim):
    # when
    response = sim.client.post("/auth/o2/token", data={**FORM, "refresh_token": "Atzr|stolen"})
    # then
    assert response.status_code == 400
    assert response.json() == {
        "error_description": "The request has an invalid grant parameter : refresh_token",
        "error": "invalid_grant",
    }


def test_other_grant_types_and_missing_fields_are_refused(sim):
    # when
    grant = sim.client.post("/auth/o2/token", data={**FORM, "grant_type": "client_credentials"})
    missing = sim.client.post("/auth/o2/token", data={k: v for k, v in FORM.items() if k != "client_secret"})
    # then
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


def test_credentials_come_from_arguments_then_environment_then_defaults():
    # given
    environ = {"ORDERPILOT_SIM_AMAZON_CLIENT_ID": "env-id", "ORDERPILOT_SIM_AMAZON_REFRESH_TOKEN": "Atzr|env"}
    # when
    resolved = Credentials.resolve(
        client_id="arg-id", client_secret=None, refresh_token=None, environ=environ
    )
    # then
    assert resolved == Credentials(client_id="arg-id", client_secret="sim-secret", refresh_token="Atzr|env")


def test_create_app_accepts_other_credentials(start_sim):
    # given
    sim = start_sim(
        client_id="amzn1.application-oa2-client.mine", client_secret="s3cret", refresh_token="Atzr|m"
    )
    form = {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|m",
        "client_id": "amzn1.application-oa2-client.mine",
    }
    # when
    accepted = sim.client.post("/auth/o2/token", data={**form, "client_secret": "s3cret"})
    defaults = sim.client.post("/auth/o2/token", data=FORM)
    # then
    assert accepted.status_code == 200
    assert defaults.status_code == 401


def test_calls_without_a_valid_token_are_refused_with_403(sim, models):
    # given
    query = {"MarketplaceIds": DE, "CreatedAfter": "2026-11-01T00:00:00Z"}
    # when
    missing = sim.client.get("/orders/v0/orders", params=query)
    unknown = sim.client.get("/orders/v0/orders", params=query, headers={"x-amz-access-token": "Atza|forged"})
    # then
    assert models.validate("ordersV0.getOrders", missing) == DENIED
    assert models.validate("ordersV0.getOrders", unknown) == DENIED
    assert "x-amzn-RateLimit-Limit" not in missing.headers


def test_a_token_expires_after_an_hour_of_simulator_time(sim, models):
    # given
    headers = sim.auth()
    query = {"MarketplaceIds": DE, "CreatedAfter": "2026-11-01T00:00:00Z"}
    assert sim.client.get("/orders/v0/orders", params=query, headers=headers).status_code == 200
    # when
    sim.advance("1h")
    response = sim.client.get("/orders/v0/orders", params=query, headers=headers)
    # then
    assert models.validate("ordersV0.getOrders", response) == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "The access token you provided has expired.",
            }
        ]
    }


def _rdt(sim, headers, resources):
    return sim.client.post(
        "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": resources}, headers=headers
    )


def test_rdt_reveals_address_and_buyer_in_get_orders_only_with_matching_data_elements(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    query = {"MarketplaceIds": DE, "CreatedAfter": "2026-11-28T00:00:00Z"}
    both = _rdt(
        sim,
        headers,
        [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]}],
    )
    address_only = _rdt(
        sim, headers, [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["shippingAddress"]}]
    )
    rdt = models.validate("tokens_2021-03-01.createRestrictedDataToken", both)
    # when
    plain = sim.client.get("/orders/v0/orders", params=query, headers=headers)
    full = sim.client.get(
        "/orders/v0/orders", params=query, headers={"x-amz-access-token": rdt["restrictedDataToken"]}
    )
    partial = sim.client.get(
        "/orders/v0/orders",
        params=query,
        headers={"x-amz-access-token": address_only.json()["restrictedDataToken"]},
    )
    # then
    assert rdt["restrictedDataToken"].startswith("Atz.sprdt|")
    assert rdt["expiresIn"] == 3600
    plain_order = models.validate("ordersV0.getOrders", plain)["payload"]["Orders"][0]
    assert plain_order["ShippingAddress"] == {
        "City": "Düsseldorf",
        "StateOrRegion": "Nordrhein-Westfalen",
        "PostalCode": "40212",
        "CountryCode": "DE",
    }
    assert "BuyerInfo" not in plain_order
    full_order = models.validate("ordersV0.getOrders", full)["payload"]["Orders"][0]
    assert full_order["ShippingAddress"] == de_order()["ShippingAddress"]
    assert full_order["BuyerInfo"] == de_order()["BuyerInfo"]
    partial_order = models.validate("ordersV0.getOrders", partial)["payload"]["Orders"][0]
    assert partial_order["ShippingAddress"]["Name"] == "Jürgen Müller"
    assert "BuyerInfo" not in partial_order


def test_rdt_covers_only_the_exact_path_it_names(sim, models):
    # given
    sim.post_order(de_order("302-0000001-0000001"))
    sim.post_order(de_order("302-0000002-0000002"))
    headers = sim.auth()
    rdt = _rdt(
        sim, headers, [{"method": "GET", "path": "/orders/v0/orders/302-0000001-0000001/address"}]
    ).json()
    restricted = {"x-amz-access-token": rdt["restrictedDataToken"]}
    # when
    covered = sim.client.get("/orders/v0/orders/302-0000001-0000001/address", headers=restricted)
    other_order = sim.client.get("/orders/v0/orders/302-0000002-0000002/address", headers=restricted)
    without = sim.client.get("/orders/v0/orders/302-0000001-0000001/address", headers=headers)
    # then
    assert models.validate("ordersV0.getOrderAddress", covered)["payload"]["ShippingAddress"][
        "AddressLine1"
    ] == ("Königsallee 14")
    assert models.validate("ordersV0.getOrderAddress", other_order) == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "The Restricted Data Token does not cover this operation and path.",
            }
        ]
    }
    assert models.validate("ordersV0.getOrderAddress", without)["payload"] == {
        "AmazonOrderId": "302-0000001-0000001",
        "ShippingAddress": {
            "City": "Düsseldorf",
            "StateOrRegion": "Nordrhein-Westfalen",
            "PostalCode": "40212",
            "CountryCode": "DE",
        },
    }


def test_the_sandbox_template_path_is_accepted_but_unlocks_no_order(sim, models, example):
    # given
    saved = example("tokens_createRestrictedDataToken_200.json")
    sim.post_order(de_order())
    headers = sim.auth()
    # when
    response = sim.client.post(
        "/tokens/2021-03-01/restrictedDataToken", json=saved["request_body"], headers=headers
    )
    rdt = models.validate("tokens_2021-03-01.createRestrictedDataToken", response)
    address = sim.client.get(
        "/orders/v0/orders/302-1234567-7654321/address",
        headers={"x-amz-access-token": rdt["restrictedDataToken"]},
    )
    # then
    assert sorted(rdt) == sorted(saved["response"])
    assert rdt["expiresIn"] == saved["response"]["expiresIn"]
    assert address.status_code == 403


def test_rdt_requests_are_validated(sim, models):
    # given
    headers = sim.auth()
    # when
    not_restricted = _rdt(sim, headers, [{"method": "GET", "path": "/reports/2021-06-30/reports"}])
    no_elements = _rdt(sim, headers, [{"method": "GET", "path": "/orders/v0/orders"}])
    bad_element = _rdt(
        sim,
        headers,
        [{"method": "GET", "path": "/orders/v0/orders/1/orderItems", "dataElements": ["shippingAddress"]}],
    )
    empty = _rdt(sim, headers, [])
    # then
    key = "tokens_2021-03-01.createRestrictedDataToken"
    assert models.validate(key, not_restricted)["errors"][0]["message"] == (
        "Application does not have access to one or more requested data elements"
    )
    assert models.validate(key, no_elements)["errors"][0]["message"] == (
        "dataElements is required for this restricted resource."
    )
    assert (
        models.validate(key, bad_element)["errors"][0]["message"] == "Invalid dataElements: shippingAddress"
    )
    assert models.validate(key, empty)["errors"][0]["code"] == "InvalidRequest"


def test_an_rdt_cannot_call_other_operations(sim, models):
    # given
    headers = sim.auth()
    rdt = _rdt(
        sim, headers, [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo"]}]
    ).json()
    # when
    response = sim.client.get(
        "/reports/2021-06-30/reports",
        params={"reportTypes": "X"},
        headers={"x-amz-access-token": rdt["restrictedDataToken"]},
    )
    # then
    assert models.validate("reports_2021-06-30.getReports", response)["errors"][0]["code"] == "Unauthorized"

from orderpilot.sandbox.ebay.auth import DEFAULT_REFRESH_TOKEN

from .conftest import basic_auth

TOKEN_PATH = "/identity/v1/oauth2/token"


def test_refresh_token_grant_issues_a_user_access_token(sim):
    # given the application's keys and the seller's refresh token
    form = {"grant_type": "refresh_token", "refresh_token": DEFAULT_REFRESH_TOKEN,
            "scope": "https://api.ebay.com/oauth/api_scope/sell.fulfillment"}  # fmt: skip
    # when
    response = sim.http.post(TOKEN_PATH, data=form, headers=basic_auth())
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["expires_in"], body["token_type"]) == (7200, "User Access Token")
    assert body["access_token"].startswith("v^1.1#i^1#")
    assert sim.app.tokens.issued == 1


def test_wrong_client_secret_is_refused_and_no_token_is_issued(sim):
    # given
    form = {"grant_type": "refresh_token", "refresh_token": DEFAULT_REFRESH_TOKEN}
    # when
    response = sim.http.post(TOKEN_PATH, data=form, headers=basic_auth(secret="not-the-secret"))
    # then
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "client authentication failed"}
    assert sim.app.tokens.issued == 0


def test_wrong_refresh_token_and_excessive_scope_are_refused(sim):
    # when
    wrong_grant = sim.http.post(TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": "v^1.1#other"},
                                headers=basic_auth())  # fmt: skip
    wrong_scope = sim.http.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": DEFAULT_REFRESH_TOKEN,
              "scope": "https://api.ebay.com/oauth/api_scope/sell.inventory"},
        headers=basic_auth(),
    )  # fmt: skip
    other_grant = sim.http.post(TOKEN_PATH, data={"grant_type": "client_credentials"}, headers=basic_auth())
    # then
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "invalid_grant")
    assert wrong_grant.json()["error_description"] == (
        "the provided authorization refresh token is invalid or was issued to another client"
    )
    assert (wrong_scope.status_code, wrong_scope.json()["error"]) == (400, "invalid_scope")
    assert (other_grant.status_code, other_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert sim.app.tokens.issued == 0


def test_api_calls_need_a_valid_token_with_the_apis_scope(sim):
    # given a token for the Fulfillment API only
    fulfillment_only = sim.token("https://api.ebay.com/oauth/api_scope/sell.fulfillment")
    # when
    without = sim.http.get("/sell/fulfillment/v1/order")
    forged = sim.http.get("/sell/fulfillment/v1/order", headers={"Authorization": "Bearer v^1.1#forged"})
    finances = sim.http.get("/sell/finances/v1/payout", headers={"Authorization": f"Bearer {fulfillment_only}"})
    # then
    assert without.status_code == 401
    assert without.json() == {"errors": [{"errorId": 1001, "domain": "OAuth", "category": "REQUEST",
                                          "message": "Invalid access token",
                                          "longMessage": "Invalid access token. Check the value of the "
                                                         "Authorization HTTP request header."}]}  # fmt: skip
    assert forged.status_code == 401
    assert (finances.status_code, finances.json()["errors"][0]["errorId"]) == (403, 1100)


def test_access_tokens_expire_after_two_hours_of_simulator_time(sim):
    # given
    token = sim.token()
    headers = {"Authorization": f"Bearer {token}"}
    assert sim.http.get("/sell/fulfillment/v1/order", headers=headers).status_code == 200
    # when
    sim.http.post("/_sim/clock", json={"advance": "2h"})
    response = sim.http.get("/sell/fulfillment/v1/order", headers=headers)
    # then
    assert (response.status_code, response.json()["errors"][0]["errorId"]) == (401, 1001)

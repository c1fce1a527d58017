"""The gateway over real HTTP against the eBay simulator: OAuth, error model, retries, rate limits."""

import datetime as dt
import logging

import pytest

from orderpilot.channels.ebay.gateway import DAILY_BUDGETS, EbayGateway, bucket_rate
from orderpilot.channels.ebay.mapping import format_time
from orderpilot.core import ratelimit
from orderpilot.core.exceptions import ConfigurationError, RetryableError, TerminalError
from orderpilot.core.models import RateLimitBucket

from .conftest import ebay_order

FROM = format_time(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))


def test_one_access_token_serves_many_calls(ebay_channel, ebay_sim):
    # given
    gateway = EbayGateway(ebay_channel)
    # when
    for _ in range(3):
        gateway.get_orders(modified_from=FROM, offset=0)
    # then
    assert len(ebay_sim.calls("getToken")) == 1
    assert [c["status"] for c in ebay_sim.calls("getOrders")] == [200, 200, 200]


def test_expired_access_token_is_renewed_once(ebay_channel, ebay_sim):
    # given a token that the simulator let expire
    gateway = EbayGateway(ebay_channel)
    gateway.get_orders(modified_from=FROM, offset=0)
    ebay_sim.control.post("/_sim/clock", json={"advance": "2h"})
    # when
    body = gateway.get_orders(modified_from=FROM, offset=0)
    # then
    assert body["total"] == 0
    assert [c["status"] for c in ebay_sim.calls("getOrders")] == [200, 401, 200]
    assert len(ebay_sim.calls("getToken")) == 2


def test_refused_credentials_are_terminal_and_no_api_call_is_made(ebay_channel, ebay_sim, caplog):
    # given
    ebay_channel.secrets = {**ebay_channel.secrets, "client_secret": "PRD-wrong-secret-4711"}
    ebay_channel.save()
    gateway = EbayGateway(ebay_channel)
    # when
    with caplog.at_level(logging.DEBUG), pytest.raises(TerminalError) as refused:
        gateway.get_orders(modified_from=FROM, offset=0)
    # then
    assert str(refused.value) == (
        "eBay refused the channel's credentials: 401 invalid_client: client authentication failed"
    )
    assert ebay_sim.calls("getOrders") == []
    assert "PRD-wrong-secret-4711" not in caplog.text


def test_missing_endpoint_or_credentials_name_the_key(db):
    from orderpilot.channels.models import Channel

    no_endpoint = Channel.objects.create(code="e1", kind="ebay")
    no_secret = Channel.objects.create(code="e2", kind="ebay", endpoint="http://127.0.0.1:1",
                                       settings={"secret_env": {"client_id": "EBAY_CLIENT_ID"}})  # fmt: skip
    with pytest.raises(ConfigurationError, match="endpoint is required"):
        EbayGateway(no_endpoint)
    with pytest.raises(ConfigurationError, match="set environment variable EBAY_CLIENT_ID"):
        EbayGateway(no_secret)


def test_client_errors_are_terminal_with_ebays_error_id(ebay_channel, ebay_sim):
    # given
    ebay_sim.add_order(ebay_order())
    gateway = EbayGateway(ebay_channel)
    # when
    with pytest.raises(TerminalError) as refused:
        gateway.create_shipping_fulfillment("04-11302-58321", {"lineItems": [{"lineItemId": "1", "quantity": 1}]})
    # then
    assert str(refused.value) == "createShippingFulfillment: 400 32200 Invalid line item id"
    assert ebay_sim.fulfillments() == []


def test_server_errors_are_retried_with_backoff(ebay_channel, ebay_sim):
    # given the next call fails with 503
    ebay_sim.control.post("/_sim/faults", json={"status": 503, "count": 1, "operations": ["getOrders"]})
    gateway = EbayGateway(ebay_channel, max_wait=2.0)
    # when
    body = gateway.get_orders(modified_from=FROM, offset=0)
    # then
    assert body["orders"] == []
    assert [c["status"] for c in ebay_sim.calls("getOrders")] == [503, 200]


def test_too_many_requests_drains_the_bucket_and_asks_to_come_back(ebay_channel, ebay_sim):
    # given
    ebay_sim.control.post("/_sim/faults", json={"status": 429, "count": 1, "operations": ["getOrders"]})
    gateway = EbayGateway(ebay_channel, max_wait=0.0)
    # when
    with pytest.raises(RetryableError) as refused:
        gateway.get_orders(modified_from=FROM, offset=0)
    # then
    assert str(refused.value).startswith("getOrders: 429 2001 Too many requests.")
    assert refused.value.retry_after >= 1.0
    assert RateLimitBucket.objects.get(key="ebay:ebay-de:getOrders").tokens == 0.0


def test_used_up_daily_budget_stops_before_any_request(ebay_channel, ebay_sim):
    # given the channel's getOrders bucket is empty
    rate, burst = bucket_rate("getOrders")
    for _ in range(burst):
        ratelimit.take_token("ebay:ebay-de:getOrders", rate=rate, burst=burst)
    gateway = EbayGateway(ebay_channel, max_wait=0.0)
    # when
    with pytest.raises(RetryableError, match="daily call budget is used up"):
        gateway.get_orders(modified_from=FROM, offset=0)
    # then
    assert ebay_sim.calls("getOrders") == []


def test_daily_budgets_never_exceed_ebays_limit_per_api():
    fulfillment = ("getOrders", "getShippingFulfillments", "createShippingFulfillment")
    finances = ("getPayouts", "getTransactions")
    assert sum(DAILY_BUDGETS[op][0] for op in fulfillment) == 100_000
    assert sum(DAILY_BUDGETS[op][0] for op in finances) == 15_000
    for operation in DAILY_BUDGETS:
        rate, burst = bucket_rate(operation)
        assert burst + rate * 86_400 == pytest.approx(DAILY_BUDGETS[operation][0])


def test_a_seller_without_finances_consent_still_gets_orders(db):
    # given a seller who consented to the Fulfillment API only
    import httpx

    from orderpilot.channels.models import Channel
    from orderpilot.sandbox.ebay.app import create_app
    from orderpilot.sandbox.ebay.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
    from orderpilot.sandbox.ebay.control import serving

    app = create_app(granted_scopes=["https://api.ebay.com/oauth/api_scope/sell.fulfillment"])
    with serving(app) as url, httpx.Client(base_url=url):
        channel = Channel.objects.create(code="ebay-de", kind="ebay", endpoint=url, secrets={
            "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET,
            "refresh_token": DEFAULT_REFRESH_TOKEN})  # fmt: skip
        gateway = EbayGateway(channel)
        # when
        orders = gateway.get_orders(modified_from=FROM, offset=0)
        with pytest.raises(TerminalError) as payouts:
            gateway.get_payouts(payout_from=FROM, offset=0)
    # then
    assert orders["total"] == 0
    assert str(payouts.value).startswith("eBay refused the channel's credentials: 400 invalid_scope")

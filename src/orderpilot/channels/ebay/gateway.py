"""The one place that talks to eBay: OAuth refresh-token grant, Sell Fulfillment and Sell Finances over httpx.

It alone knows endpoints and credentials. Before every request it takes a token from the shared
per-operation bucket (:mod:`orderpilot.core.ratelimit`), sized so that the operations of one API together
stay inside eBay's default daily call limit. It retries 5xx, 429 and network failures with exponential
backoff and jitter while the wait fits ``max_wait``, fetches a new user access token once when eBay answers
401, and turns every failure into :class:`RetryableError` or :class:`TerminalError` (any other 4xx, with
eBay's ``errorId`` and message). Secrets never reach a log line or an exception message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from typing import Any
from urllib.parse import quote

import httpx

from orderpilot.core import ratelimit
from orderpilot.core.exceptions import ConfigurationError, RetryableError, TerminalError

from ..models import Channel
from ..secrets import channel_secret
from .signing import load_private_key, signed_headers

logger = logging.getLogger(__name__)

SCOPE_FULFILLMENT = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
SCOPE_FINANCES = "https://api.ebay.com/oauth/api_scope/sell.finances"
#: the OAuth scope each operation needs; one access token per scope, so that a seller who did not consent to
#: the Finances API (no payouts) still has orders and shipping confirmations working
SCOPES: dict[str, str] = {
    "getOrders": SCOPE_FULFILLMENT,
    "getShippingFulfillments": SCOPE_FULFILLMENT,
    "createShippingFulfillment": SCOPE_FULFILLMENT,
    "getPayouts": SCOPE_FINANCES,
    "getTransactions": SCOPE_FINANCES,
}

#: operation → (calls per day, burst). eBay's default limits per API and day (developer.ebay.com
#: "API Call Limits"): Fulfillment API 100,000, Finances API 15,000, refresh-token grant 50,000 — split
#: across the operations of an API so that together they never exceed it.
DAILY_BUDGETS: dict[str, tuple[int, int]] = {
    "getToken": (50_000, 10),
    "getOrders": (50_000, 50),
    "getShippingFulfillments": (25_000, 20),
    "createShippingFulfillment": (25_000, 20),
    "getPayouts": (5_000, 10),
    "getTransactions": (10_000, 20),
}
MAX_ATTEMPTS = 5
_TOKEN_MARGIN = 120.0  # renew access tokens this many seconds before eBay says they expire

_tokens: dict[tuple[str, ...], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def bucket_rate(operation: str) -> tuple[float, int]:
    """Tokens per second and burst of ``operation``'s bucket: a full burst plus a day's refill stays at
    the daily budget."""
    daily, burst = DAILY_BUDGETS[operation]
    return (daily - burst) / 86_400, burst


class EbayGateway:
    """eBay access for one channel.

    Channel settings: ``endpoint`` (``https://api.ebay.com``; the simulator's URL in tests),
    ``settings.token_endpoint`` (default ``{endpoint}/identity/v1/oauth2/token``),
    ``settings.finances_endpoint`` (production: ``https://apiz.ebay.com``; default ``endpoint``),
    ``settings.marketplace_id``
    (default ``EBAY_DE``). Credentials: ``client_id``, ``client_secret``, ``refresh_token``; for sellers
    domiciled in the EU or UK also ``signing_key_jwe`` and ``signing_private_key`` (eBay's Key Management
    API, cipher ED25519), with which every Finances API call is signed (:mod:`.signing`).

    :param max_wait: seconds a call may wait for a rate-limit token or a backoff in this process;
        longer waits raise RetryableError with ``retry_after`` so the caller retries later.
    """

    def __init__(
        self,
        channel: Channel,
        *,
        max_wait: float = 5.0,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ):
        if not channel.endpoint:
            raise ConfigurationError(f"channel {channel.code}: endpoint is required (e.g. https://api.ebay.com)")
        settings = channel.settings or {}
        self.channel = channel
        self.max_wait = max_wait
        self.endpoint = channel.endpoint.rstrip("/")
        self.finances_endpoint = (settings.get("finances_endpoint") or self.endpoint).rstrip("/")
        self.token_endpoint = settings.get("token_endpoint") or f"{self.endpoint}/identity/v1/oauth2/token"
        self.marketplace_id = settings.get("marketplace_id") or "EBAY_DE"
        self._client_id = channel_secret(channel, "client_id")
        self._client_secret = channel_secret(channel, "client_secret")
        self._refresh_token = channel_secret(channel, "refresh_token")
        jwe = _optional_secret(channel, "signing_key_jwe")
        private_key = _optional_secret(channel, "signing_private_key")
        if bool(jwe) != bool(private_key):
            raise ConfigurationError(
                f"channel {channel.code}: an eBay signing key needs both signing_key_jwe and signing_private_key"
            )
        #: EU/UK sellers sign Finances API calls with a key of eBay's Key Management API
        self._signing = (jwe, load_private_key(private_key)) if jwe else None
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    # --- Sell Fulfillment -----------------------------------------------------------------------
    def get_orders(self, *, modified_from: str, offset: int, limit: int = 100) -> dict[str, Any]:
        response = self._call(
            "getOrders",
            "GET",
            f"{self.endpoint}/sell/fulfillment/v1/order",
            params={"filter": f"lastmodifieddate:[{modified_from}..]", "limit": str(limit), "offset": str(offset)},
        )
        body = _json(response, "getOrders")
        if not isinstance(body.get("orders", []), list):
            raise RetryableError("getOrders answered without an 'orders' list")
        return body

    def get_shipping_fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        response = self._call("getShippingFulfillments", "GET", self._fulfillments_url(order_id))
        return list(_json(response, "getShippingFulfillments").get("fulfillments") or [])

    def create_shipping_fulfillment(self, order_id: str, body: dict[str, Any]) -> str:
        """Create the fulfillment; returns its id (the last segment of the ``Location`` eBay answers with)."""
        response = self._call(
            "createShippingFulfillment",
            "POST",
            self._fulfillments_url(order_id),
            json=body,
        )
        location = response.headers.get("Location", "")
        if response.status_code != 201 or not location:
            raise RetryableError(f"createShippingFulfillment answered {response.status_code} without a Location")
        return location.rstrip("/").rsplit("/", 1)[-1]

    def _fulfillments_url(self, order_id: str) -> str:
        return f"{self.endpoint}/sell/fulfillment/v1/order/{quote(order_id, safe='')}/shipping_fulfillment"

    # --- Sell Finances --------------------------------------------------------------------------
    def get_payouts(self, *, payout_from: str, offset: int, limit: int = 100) -> dict[str, Any] | None:
        """A page of ``getPayouts`` (oldest first), or ``None`` when eBay answers 204 (nothing matches)."""
        response = self._call(
            "getPayouts",
            "GET",
            f"{self.finances_endpoint}/sell/finances/v1/payout",
            params={"filter": f"payoutDate:[{payout_from}..]", "sort": "payoutDate", "limit": str(limit),
                    "offset": str(offset)},  # fmt: skip
            signed=True,
        )
        return None if response.status_code == 204 else _json(response, "getPayouts")

    def get_transactions(self, *, payout_id: str, offset: int, limit: int = 200) -> dict[str, Any] | None:
        response = self._call(
            "getTransactions",
            "GET",
            f"{self.finances_endpoint}/sell/finances/v1/transaction",
            params={"filter": f"payoutId:{{{payout_id}}}", "limit": str(limit), "offset": str(offset)},
            signed=True,
        )
        return None if response.status_code == 204 else _json(response, "getTransactions")

    # --- plumbing -------------------------------------------------------------------------------
    def bucket_key(self, operation: str) -> str:
        return f"ebay:{self.channel.code}:{operation}"

    def _call(self, operation: str, method: str, url: str, *, signed: bool = False, **kwargs: Any) -> httpx.Response:
        body: bytes | None = None
        if "json" in kwargs:  # serialised once: a signature covers exactly the bytes sent
            body = json.dumps(kwargs.pop("json")).encode()
            kwargs["content"] = body
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._wait_for_token(operation)
            headers = {
                "Authorization": f"Bearer {self._access_token(SCOPES[operation])}",
                "Accept": "application/json",
                "X-EBAY-C-MARKETPLACE-ID": self.marketplace_id,
            }
            if body is not None:
                headers["Content-Type"] = "application/json"
            if signed and self._signing:
                jwe, key = self._signing
                headers.update(signed_headers(method=method, url=url, body=body, jwe=jwe, key=key,
                                              created=int(time.time())))  # fmt: skip
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                delay, reason = _backoff(attempt), f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return response
                reason = _describe(response)
                if response.status_code == 401 and attempt == 1:
                    self._forget_access_token(SCOPES[operation])  # expired or revoked: fetch a new one once
                    delay = 0.0
                elif response.status_code == 429:
                    ratelimit.drain(self.bucket_key(operation))
                    delay = _retry_after(response) or _backoff(attempt, floor=2.0)
                elif response.status_code >= 500:
                    delay = _retry_after(response) or _backoff(attempt)
                else:
                    raise TerminalError(f"{operation}: {reason}")
            logger.info("eBay %s attempt %d failed (%s); next in %.1fs", operation, attempt, reason, delay)
            if delay > self.max_wait or attempt == MAX_ATTEMPTS:
                raise RetryableError(f"{operation}: {reason}", retry_after=max(delay, 1.0))
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _wait_for_token(self, operation: str) -> None:
        rate, burst = bucket_rate(operation)
        while True:
            wait = ratelimit.take_token(self.bucket_key(operation), rate=rate, burst=burst)
            if wait == 0.0:
                return
            if wait > self.max_wait:
                raise RetryableError(
                    f"{operation}: eBay's daily call budget is used up, next call allowed in {wait:.0f}s",
                    retry_after=wait,
                )
            time.sleep(wait)

    def _token_key(self, scope: str) -> tuple[str, ...]:
        fingerprint = hashlib.sha256(f"{self._client_id}\0{self._refresh_token}".encode()).hexdigest()
        return (self.token_endpoint, fingerprint, scope)

    def _forget_access_token(self, scope: str) -> None:
        with _tokens_lock:
            _tokens.pop(self._token_key(scope), None)

    def _access_token(self, scope: str) -> str:
        key = self._token_key(scope)
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        token, expires_in = self._refresh(scope)
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + max(expires_in - _TOKEN_MARGIN, 30.0))
        return token

    def _refresh(self, scope: str) -> tuple[str, float]:
        """The refresh-token grant: Basic auth with the application's keys, the seller's refresh token."""
        self._wait_for_token("getToken")
        form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token, "scope": scope}
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self._http.post(self.token_endpoint, data=form, auth=(self._client_id, self._client_secret))
            except httpx.TransportError as exc:
                delay, reason = _backoff(attempt), f"{type(exc).__name__}"
            else:
                if response.status_code == 200:
                    body = _json(response, "getToken")
                    if not body.get("access_token"):
                        raise RetryableError("eBay's token endpoint answered without an access_token")
                    return body["access_token"], float(body.get("expires_in") or 7200)
                reason = _describe_oauth(response)
                if response.status_code < 500 and response.status_code != 429:
                    raise TerminalError(f"eBay refused the channel's credentials: {reason}")
                delay = _retry_after(response) or _backoff(attempt)
            if delay > self.max_wait or attempt == MAX_ATTEMPTS:
                raise RetryableError(f"eBay token endpoint: {reason}", retry_after=max(delay, 1.0))
            time.sleep(delay)
        raise AssertionError("unreachable")


def _optional_secret(channel: Channel, name: str) -> str:
    """A credential the channel may leave out; configured (stored or named by ``{name}_env``) it must be there."""
    configured = name in ((channel.settings or {}).get("secret_env") or {}) or name in (channel.secrets or {})
    return channel_secret(channel, name) if configured else ""


def _json(response: httpx.Response, operation: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RetryableError(f"{operation}: eBay answered {response.status_code} with a non-JSON body") from None
    if not isinstance(body, dict):
        raise RetryableError(f"{operation}: eBay answered with a JSON {type(body).__name__}, not an object")
    return body


def _describe(response: httpx.Response) -> str:
    """``429 2001 Too many requests…`` from eBay's ``{"errors": [{errorId, message, longMessage}]}``."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    parts = [
        " ".join(str(p) for p in (e.get("errorId", ""), e.get("longMessage") or e.get("message") or "") if p)
        for e in errors
        if isinstance(e, dict)
    ]
    return f"{response.status_code} " + ("; ".join(parts) if parts else response.reason_phrase)


def _describe_oauth(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.reason_phrase}"
    return f"{response.status_code} {body.get('error', '')}: {body.get('error_description', '')}".strip()


def _retry_after(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _backoff(attempt: int, *, floor: float = 0.0) -> float:
    return max(floor, min(60.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))  # noqa: S311

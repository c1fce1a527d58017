"""The one place that talks to a Gambio shop: its GX REST API v2 over httpx, with HTTP Basic authentication.

Gambio publishes no rate limit for API v2, but every call is a PHP request on the merchant's own web
server; a shared per-shop token bucket (``settings.requests_per_second``, default 5, burst 10) keeps
OrderPilot polite. 429, 5xx and network failures are retried with exponential backoff and jitter while
the wait fits ``max_wait``; 401/403 (wrong login) and other 4xx are :class:`TerminalError` with the shop's
``message`` (``{"code", "status": "error", "message"}``). Credentials never reach a log line.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import httpx

from orderpilot.core import ratelimit
from orderpilot.core.exceptions import ConfigurationError, RetryableError, TerminalError

from ..models import Channel
from ..secrets import channel_secret

logger = logging.getLogger(__name__)

API_PATH = "/api.php/v2"
MAX_ATTEMPTS = 5
USER_AGENT = "OrderPilot-Gambio-Connector/1"  # Gambio refuses requests without a User-Agent


class RecordNotFound(TerminalError):
    """The shop has no such record (404), e.g. an order deleted after it was listed."""


class GambioGateway:
    """API v2 access for one shop.

    Channel: ``endpoint`` (the shop's base URL, e.g. ``https://shop.example.com``; ``/api.php/v2`` is
    added unless given), credentials ``username`` and ``password`` (an administrator login),
    ``settings.requests_per_second``.
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
            raise ConfigurationError(f"channel {channel.code}: endpoint is required (the shop's URL)")
        base = channel.endpoint.rstrip("/")
        self.base = base if base.endswith(API_PATH) else f"{base}{API_PATH}"
        self.channel = channel
        self.max_wait = max_wait
        settings = channel.settings or {}
        self.rate = float(settings.get("requests_per_second") or 5.0)
        self.burst = max(int(self.rate * 2), 1)
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            auth=(channel_secret(channel, "username"), channel_secret(channel, "password")),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    # --- operations -----------------------------------------------------------------------------
    def modified_orders(self, *, modified: str, page: int, per_page: int) -> list[dict[str, Any]]:
        """``GET /orders?modified=…``: list items of the orders changed at or after ``modified`` (shop time)."""
        body = self._json("GET", "/orders", params={"modified": modified, "page": str(page),
                                                     "per_page": str(per_page), "sort": "+id"})  # fmt: skip
        if not isinstance(body, dict) or not isinstance(body.get("modified"), list):
            raise RetryableError("GET /orders?modified answered without a 'modified' list")
        return body["modified"]

    def order(self, order_id: int) -> dict[str, Any]:
        body = self._json("GET", f"/orders/{order_id}")
        if not isinstance(body, dict) or "items" not in body:
            raise RetryableError(f"GET /orders/{order_id} answered without an order")
        return body

    def history(self, order_id: int) -> list[dict[str, Any]]:
        return list(self._json("GET", f"/orders/{order_id}/history") or [])

    def update_status(self, order_id: int, entry: dict[str, Any]) -> dict[str, Any]:
        return self._json("PATCH", f"/orders/{order_id}/status", json=entry)

    def tracking_codes(self, order_id: int) -> list[dict[str, Any]]:
        return list(self._json("GET", f"/orders/{order_id}/tracking_codes") or [])

    def create_tracking_code(self, order_id: int, code: dict[str, Any]) -> dict[str, Any]:
        created = self._json("POST", f"/orders/{order_id}/tracking_codes", json=code)
        if not isinstance(created, list) or not created:
            raise RetryableError(f"POST /orders/{order_id}/tracking_codes answered without the new code")
        return created[0]

    def parcel_services(self) -> list[dict[str, Any]]:
        return list(self._json("GET", "/parcel_services") or [])

    # --- plumbing -------------------------------------------------------------------------------
    def bucket_key(self) -> str:
        return f"gambio:{self.channel.code}:api"

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._call(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RetryableError(f"{method} {path}: the shop answered {response.status_code} without JSON") from None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        what = f"{method} {path}"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._wait_for_token(what)
            try:
                response = self._http.request(method, f"{self.base}{path}", **kwargs)
            except httpx.TransportError as exc:
                delay, reason = _backoff(attempt), f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return response
                reason = _describe(response)
                if response.status_code in (401, 403):
                    raise TerminalError(f"the shop refused the channel's API login: {reason}")
                if response.status_code == 404:
                    raise RecordNotFound(f"{what}: {reason}")
                if response.status_code == 429:
                    ratelimit.drain(self.bucket_key())
                    delay = _retry_after(response) or _backoff(attempt, floor=1.0)
                elif response.status_code >= 500:
                    delay = _retry_after(response) or _backoff(attempt)
                else:
                    raise TerminalError(f"{what}: {reason}")
            logger.info("Gambio %s attempt %d failed (%s); next in %.1fs", what, attempt, reason, delay)
            if delay > self.max_wait or attempt == MAX_ATTEMPTS:
                raise RetryableError(f"{what}: {reason}", retry_after=max(delay, 1.0))
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _wait_for_token(self, what: str) -> None:
        while True:
            wait = ratelimit.take_token(self.bucket_key(), rate=self.rate, burst=self.burst)
            if wait == 0.0:
                return
            if wait > self.max_wait:
                raise RetryableError(f"{what}: request budget for the shop used up", retry_after=wait)
            time.sleep(wait)


def _describe(response: httpx.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return f"{response.status_code} {message or response.reason_phrase}"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _backoff(attempt: int, *, floor: float = 0.0) -> float:
    return max(floor, min(60.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))  # noqa: S311

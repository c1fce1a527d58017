"""The one place that talks to the Selling Partner API (python-amazon-sp-api behind it).

It alone knows endpoints and credentials; it takes a token from the shared per-operation bucket
before every request (so no worker ever exceeds Amazon's published rate), retries 429 and 5xx
with exponential backoff and jitter, adopts the rate Amazon announces in
``x-amzn-RateLimit-Limit``, and turns every failure into RetryableError or TerminalError.
"""

from __future__ import annotations

import logging
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx
from sp_api.api.orders.orders_2026_01_01 import OrdersV20260101
from sp_api.api.orders.orders_v0 import OrdersV0
from sp_api.auth import AccessTokenClient
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import ApiResponse
from sp_api.base.exceptions import (
    SellingApiException,
    SellingApiForbiddenException,
    SellingApiRequestThrottledException,
    SellingApiServerException,
    SellingApiTemporarilyUnavailableException,
)

from orderpilot.core import ratelimit
from orderpilot.core.exceptions import ConfigurationError, RetryableError, TerminalError
from orderpilot.core.http import ssl_context

from ..models import Channel
from ..secrets import channel_secret

logger = logging.getLogger(__name__)

#: Amazon's published default usage plans (rate per second, burst), from the API models.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "getReports": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    "getSolicitationActionsForOrder": (1.0, 5),
    "createProductReviewAndSellerFeedbackSolicitation": (1.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "sendInvoice": (1.0, 5),
}
SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
ORDERS_INCLUDED_DATA = ["BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "CANCELLATION", "PACKAGES"]
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    next_token: str | None
    last_updated_before: str | None


class AmazonGateway:
    """SP-API access for one channel.

    :param max_wait: seconds a call may wait for a rate-limit token or a backoff in this process;
        longer waits raise RetryableError with ``retry_after`` so the caller retries later.
    """

    def __init__(self, channel: Channel, *, max_wait: float = 5.0, timeout: float = 30.0):
        self.channel = channel
        self.max_wait = max_wait
        marketplace_ids = (channel.settings or {}).get("marketplace_ids") or []
        if not channel.endpoint or not marketplace_ids:
            raise ConfigurationError(f"channel {channel.code}: endpoint and marketplace_ids are required")
        self.marketplace_ids = list(marketplace_ids)
        self._marketplace = SimpleNamespace(
            endpoint=channel.endpoint.rstrip("/"), marketplace_id=self.marketplace_ids[0], region="eu-west-1"
        )
        self._credentials = {
            "refresh_token": channel_secret(channel, "refresh_token"),
            "lwa_app_id": channel_secret(channel, "client_id"),
            "lwa_client_secret": channel_secret(channel, "client_secret"),
        }
        self._token_client = _token_client_class((channel.settings or {}).get("token_endpoint", ""))
        self._timeout = timeout
        self._clients: dict[type, Any] = {}
        #: rates Amazon announced for this seller (x-amzn-RateLimit-Limit); they replace the defaults
        self._announced: dict[str, float] = {}

    # --- operations -----------------------------------------------------------------------------
    def search_orders(self, *, last_updated_after: str, next_token: str | None = None) -> OrdersPage:
        if next_token:
            params: dict[str, Any] = {"paginationToken": next_token}
        else:
            params = {"lastUpdatedAfter": last_updated_after, "fulfilledBy": ["MERCHANT"]}
        params.update(
            marketplaceIds=self.marketplace_ids, includedData=ORDERS_INCLUDED_DATA, maxResultsPerPage=100
        )
        response = self._call("searchOrders", self._client(OrdersV20260101).search_orders, **params)
        body = response.payload or {}
        if not isinstance(body.get("orders"), list):
            raise RetryableError("searchOrders answered without a list of 'orders'")
        return OrdersPage(
            orders=body["orders"],
            # the library moves "pagination" out of the payload into its own attribute
            next_token=response.next_token,
            last_updated_before=body.get("lastUpdatedBefore"),
        )

    def get_order(self, order_id: str) -> dict[str, Any]:
        response = self._call(
            "getOrder", self._client(OrdersV20260101).get_order, order_id, includedData=ORDERS_INCLUDED_DATA
        )
        order = (response.payload or {}).get("order")
        if not order:
            raise RetryableError(f"getOrder {order_id} answered without 'order'")
        return order

    def confirm_shipment(
        self, order_id: str, package_detail: dict[str, Any], *, marketplace_id: str | None = None
    ) -> None:
        """``marketplace_id``: the order's own marketplace (default: the channel's first)."""
        self._call(
            "confirmShipment",
            self._client(OrdersV0).confirm_shipment,
            order_id,
            marketplaceId=marketplace_id or self.marketplace_ids[0],
            packageDetail=package_detail,
        )

    def solicitation_actions(self, order_id: str, *, marketplace_id: str | None = None) -> list[str]:
        from sp_api.api.solicitations.solicitations import Solicitations

        response = self._call(
            "getSolicitationActionsForOrder",
            self._client(Solicitations).get_solicitation_actions_for_order,
            order_id,
            marketplaceIds=[marketplace_id] if marketplace_id else self.marketplace_ids[:1],
        )
        links = ((response.payload or {}).get("_links") or {}).get("actions") or []
        return [link.get("name", "") for link in links]

    def create_review_solicitation(self, order_id: str, *, marketplace_id: str | None = None) -> None:
        from sp_api.api.solicitations.solicitations import Solicitations

        self._call(
            "createProductReviewAndSellerFeedbackSolicitation",
            self._client(Solicitations).create_product_review_and_seller_feedback_solicitation,
            order_id,
            marketplaceIds=[marketplace_id] if marketplace_id else self.marketplace_ids[:1],
        )

    def settlement_reports(self, *, created_since: str) -> list[dict[str, Any]]:
        """Every finished settlement report since ``created_since`` (all pages)."""
        from sp_api.api.reports.reports import Reports

        reports: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "reportTypes": [SETTLEMENT_REPORT],
            "processingStatuses": ["DONE"],
            "createdSince": created_since,
            "marketplaceIds": self.marketplace_ids,
            "pageSize": 100,
        }
        while True:
            response = self._call("getReports", self._client(Reports).get_reports, **params)
            reports.extend((response.payload or {}).get("reports") or [])
            if not response.next_token:
                return reports
            params = {"nextToken": response.next_token}  # Amazon wants it as the only parameter

    def download_report(self, document_id: str, target: BinaryIO) -> None:
        """Write the report document, decompressed, to ``target`` (streamed: memory stays flat)."""
        from sp_api.api.reports.reports import Reports

        response = self._call(
            "getReportDocument", self._client(Reports).get_report_document, document_id, download=False
        )
        document = response.payload or {}
        if not document.get("url"):
            raise RetryableError(f"getReportDocument {document_id} answered without a url")
        decompress = zlib.decompressobj(wbits=31) if document.get("compressionAlgorithm") == "GZIP" else None
        try:
            with httpx.stream("GET", document["url"], timeout=self._timeout, verify=ssl_context()) as download:
                if download.status_code >= 500:
                    raise RetryableError(f"report document {document_id}: HTTP {download.status_code}")
                if download.status_code >= 400:
                    raise TerminalError(f"report document {document_id}: HTTP {download.status_code}")
                for chunk in download.iter_bytes():
                    target.write(decompress.decompress(chunk) if decompress else chunk)
            if decompress:
                target.write(decompress.flush())
        except httpx.TransportError as exc:
            raise RetryableError(f"report document {document_id}: {exc}") from exc
        except zlib.error as exc:
            raise TerminalError(f"report document {document_id} is not valid GZIP: {exc}") from exc

    def submit_feed(
        self, feed_type: str, content: bytes, *, content_type: str, options: dict[str, str] | None = None
    ) -> str:
        """Feeds 2021-06-30: create a document, upload ``content``, create the feed; returns its id.

        The library's helpers would put their own ``path`` into the JSON body, so these two calls go
        through its plain request method with exactly the fields the API defines.
        """
        from sp_api.api.feeds.feeds_2021_06_30 import FeedsV20210630

        client = self._client(FeedsV20210630)
        document = self._call(
            "createFeedDocument",
            client._request,
            "/feeds/2021-06-30/documents",
            data={"contentType": content_type, "method": "POST"},  # the library reads the verb from the body
            add_marketplace=False,
        ).payload or {}
        if not document.get("url") or not document.get("feedDocumentId"):
            raise RetryableError("createFeedDocument answered without url or feedDocumentId")
        try:
            upload = httpx.put(
                document["url"],
                content=content,
                headers={"Content-Type": content_type},
                timeout=self._timeout,
                verify=ssl_context(),
            )
        except httpx.TransportError as exc:
            raise RetryableError(f"feed upload: {exc}") from exc
        if upload.status_code >= 500:
            raise RetryableError(f"feed upload: HTTP {upload.status_code}")
        if upload.status_code == 403 and "Request has expired" in upload.text:
            # the pre-signed URL lives a few minutes; the next attempt creates a new document and URL
            raise RetryableError("feed upload: the pre-signed URL has expired")
        if upload.status_code >= 400:
            raise TerminalError(f"feed upload refused: HTTP {upload.status_code} {upload.text[:300]}")
        body: dict[str, Any] = {
            "method": "POST",  # taken out of the body by the library, as above
            "feedType": feed_type,
            "marketplaceIds": self.marketplace_ids[:1],
            "inputFeedDocumentId": document["feedDocumentId"],
        }
        if options:
            body["feedOptions"] = options
        created = self._call("createFeed", client._request, "/feeds/2021-06-30/feeds", data=body, add_marketplace=False)
        feed_id = (created.payload or {}).get("feedId")
        if not feed_id:
            raise RetryableError("createFeed answered without feedId")
        return str(feed_id)

    def feed_status(self, feed_id: str) -> dict[str, Any]:
        from sp_api.api.feeds.feeds_2021_06_30 import FeedsV20210630

        return self._call("getFeed", self._client(FeedsV20210630).get_feed, feed_id).payload or {}

    # --- plumbing -------------------------------------------------------------------------------
    def _client(self, cls: type) -> Any:
        if cls not in self._clients:
            self._clients[cls] = _with_real_host(cls)(
                self._marketplace,
                credentials=self._credentials,
                timeout=self._timeout,
                verify=ssl_context(),  # a fresh one costs 50 ms, twice per client (core/http.py)
                auth_token_client_class=self._token_client,
            )
        return self._clients[cls]

    def bucket_key(self, operation: str) -> str:
        return f"amazon:{self.channel.code}:{operation}"

    def _call(self, operation: str, function: Callable[..., ApiResponse], *args: Any, **kwargs: Any) -> ApiResponse:
        default_rate, burst = USAGE_PLANS[operation]
        rate = self._announced.get(operation, default_rate)
        key = self.bucket_key(operation)
        token_renewed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._wait_for_token(operation, key, rate=rate, burst=burst)
            try:
                # the library pops keys ("method") out of a dict it is given: each attempt gets a copy
                response = function(*args, **{k: dict(v) if isinstance(v, dict) else v for k, v in kwargs.items()})
            except SellingApiRequestThrottledException as exc:
                ratelimit.drain(key)
                announced = _announced_rate(exc.headers)
                delay = _backoff(attempt, floor=1.0 / (announced or rate))
                error: Exception = exc
            except (SellingApiServerException, SellingApiTemporarilyUnavailableException) as exc:
                delay, error = _backoff(attempt), exc
            except SellingApiForbiddenException as exc:
                # an expired or revoked token (it may expire between two attempts): fetch a new one once
                if token_renewed:
                    raise TerminalError(f"{operation}: access denied: {_describe(exc)}") from exc
                _forget_access_token()
                token_renewed = True
                delay, error = 0.0, exc
            except SellingApiException as exc:
                raise TerminalError(f"{operation}: {_describe(exc)}") from exc
            except AuthorizationError as exc:
                raise TerminalError(f"Login with Amazon refused the credentials: {exc}") from exc
            except httpx.TransportError as exc:
                delay, error = _backoff(attempt), exc
            else:
                announced = _announced_rate(response.headers)
                if announced:
                    self._announced[operation] = announced
                return response
            logger.info("%s attempt %d failed (%s); next in %.1fs", operation, attempt, type(error).__name__, delay)
            if delay > self.max_wait or attempt == MAX_ATTEMPTS:
                raise RetryableError(f"{operation}: {_describe(error)}", retry_after=delay) from error
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _wait_for_token(self, operation: str, key: str, *, rate: float, burst: int) -> None:
        while True:
            wait = ratelimit.take_token(key, rate=rate, burst=burst)
            if wait == 0.0:
                return
            if wait > self.max_wait:
                raise RetryableError(
                    f"{operation}: rate limit reached, next call allowed in {wait:.0f}s", retry_after=wait
                )
            time.sleep(wait)


def _backoff(attempt: int, *, floor: float = 0.0) -> float:
    return max(floor, min(60.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))  # noqa: S311


def _announced_rate(headers: Any) -> float | None:
    try:
        value = (headers or {}).get("x-amzn-RateLimit-Limit")
        return float(value) if value else None
    except (TypeError, ValueError):
        return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, SellingApiException):
        return f"{exc.code} {exc.amzn_code or ''} {exc.message or ''}".strip()
    return f"{type(exc).__name__}: {exc}"


def _forget_access_token() -> None:
    from sp_api.auth import access_token_client

    access_token_client.cache.clear()


def _token_client_class(token_endpoint: str) -> type[AccessTokenClient]:
    """Login with Amazon at ``token_endpoint`` (default: Amazon's own)."""
    if not token_endpoint:
        return AccessTokenClient
    parts = urlsplit(token_endpoint)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(f"token_endpoint {token_endpoint!r} is not an http(s) URL")
    return type(
        "ConfiguredAccessTokenClient",
        (AccessTokenClient,),
        {"scheme": f"{parts.scheme}://", "host": parts.netloc, "path": parts.path or "/auth/o2/token"},
    )


def _with_real_host(cls: type) -> type:
    """The library derives the Host header by cutting 8 characters (``https://``) off the endpoint;
    that breaks ``http://`` endpoints such as the simulator. Send the endpoint's real host."""

    def headers(self) -> dict[str, str]:
        values = cls.headers.fget(self)
        values["host"] = urlsplit(self.endpoint).netloc
        return values

    return type(f"Configured{cls.__name__}", (cls,), {"headers": property(headers)})

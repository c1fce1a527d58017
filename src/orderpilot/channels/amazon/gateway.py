"""The one place that talks to the Selling Partner API (python-amazon-sp-api behind it).

It alone knows endpoints and credentials; it takes a token from the shared per-operation bucket
before every request (so no worker ever exceeds Amazon's published rate), retries 429 and 5xx
with exponential backoff and jitter, adopts the rate Amazon announces in
``x-amzn-RateLimit-Limit``, and turns every failure into RetryableError or TerminalError.

A call that must not reach Amazon twice (``sendInvoice``: Amazon has no way to ask whether a message
went out, and is not known to refuse a second one) is repeated only when Amazon cannot have acted on
it (429, no connection); a lost or failed answer raises :class:`OutcomeUnknown` instead.
"""

from __future__ import annotations

import base64
import hashlib
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
    SellingApiGatewayTimeoutException,
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
    "getMessagingActionsForOrder": (1.0, 5),
    "sendInvoice": (1.0, 5),
    "createUploadDestinationForResource": (0.1, 5),
}
SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
ORDERS_INCLUDED_DATA = ["BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "CANCELLATION", "PACKAGES"]
MAX_ATTEMPTS = 5


class OutcomeUnknown(TerminalError):
    """A call that must not be repeated got no clear answer (timeout, cut connection, 5xx): Amazon
    may or may not have acted on it. Not retried; a person checks at Amazon."""


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

    def messaging_actions(self, order_id: str, *, marketplace_id: str) -> list[dict[str, Any]]:
        """``getMessagingActionsForOrder``: the message types Amazon offers for the order now, as
        HAL links ``{"name", "href"}``."""
        from sp_api.api.messaging.messaging import Messaging

        response = self._call(
            "getMessagingActionsForOrder",
            self._client(Messaging).get_messaging_actions_for_order,
            order_id,
            marketplaceIds=[marketplace_id],
        )
        links = ((response.payload or {}).get("_links") or {}).get("actions") or []
        return [link for link in links if isinstance(link, dict)]

    def send_invoice_message(
        self,
        order_id: str,
        pdf: bytes,
        file_name: str,
        marketplace_id: str,
        *,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Send ``pdf`` to the buyer of ``order_id`` as an invoice message (Messaging ``sendInvoice``).

        Uploads API: an upload destination for the order's invoice resource (``contentMD5`` of the PDF),
        then the PDF PUT to its presigned URL with the headers Amazon returned; both may be repeated
        freely. Then ``before_send`` (the caller notes that the message is under way) and the message
        with the destination as its attachment: repeated only where Amazon cannot have acted on it,
        else :class:`OutcomeUnknown`. The library's ``send_invoice`` names the channel's first
        marketplace, so the call goes through its plain request method with the order's.
        """
        from sp_api.api.messaging.messaging import Messaging
        from sp_api.api.upload.upload import Upload

        content_md5 = base64.b64encode(hashlib.md5(pdf, usedforsecurity=False).digest()).decode()
        resource = f"messaging/v1/orders/{order_id}/messages/invoice"
        destination = self._call(
            "createUploadDestinationForResource",
            self._client(Upload)._request,
            f"/uploads/2020-11-01/uploadDestinations/{resource}",
            params={
                "method": "POST",  # the library reads the verb from the parameters
                "marketplaceIds": marketplace_id,
                "contentMD5": content_md5,
                "contentType": "application/pdf",
            },
            add_marketplace=False,
        ).payload or {}
        destination_id, url = destination.get("uploadDestinationId"), destination.get("url")
        if not destination_id or not url:
            raise RetryableError("createUploadDestinationForResource answered without uploadDestinationId or url")
        headers = {str(name): str(value) for name, value in (destination.get("headers") or {}).items()}
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/pdf"
        self._put_document(url, pdf, headers, what="invoice upload")
        if before_send is not None:
            before_send()
        attachment = {"uploadDestinationId": str(destination_id), "fileName": file_name}
        self._call(
            "sendInvoice",
            self._client(Messaging)._request,
            f"/messaging/v1/orders/{order_id}/messages/invoice",
            params={"method": "POST", "marketplaceIds": marketplace_id},
            data={"attachments": [attachment]},
            add_marketplace=False,
            repeat_unknown=False,
        )
        return {**attachment, "contentMD5": content_md5}

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
        self._put_document(document["url"], content, {"Content-Type": content_type}, what="feed upload")
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
    def _put_document(self, url: str, content: bytes, headers: dict[str, str], *, what: str) -> None:
        """PUT ``content`` to a pre-signed S3 URL (feed documents, Uploads API destinations)."""
        try:
            upload = httpx.put(url, content=content, headers=headers, timeout=self._timeout, verify=ssl_context())
        except httpx.TransportError as exc:
            raise RetryableError(f"{what}: {exc}") from exc
        if upload.status_code >= 500:
            raise RetryableError(f"{what}: HTTP {upload.status_code}")
        if upload.status_code == 403 and "Request has expired" in upload.text:
            # the pre-signed URL lives a few minutes; the next attempt asks for a new one
            raise RetryableError(f"{what}: the pre-signed URL has expired")
        if upload.status_code >= 400:
            raise TerminalError(f"{what} refused: HTTP {upload.status_code} {upload.text[:300]}")

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

    def _call(
        self,
        operation: str,
        function: Callable[..., ApiResponse],
        *args: Any,
        repeat_unknown: bool = True,
        **kwargs: Any,
    ) -> ApiResponse:
        """Call ``function`` under the operation's rate limit, repeating passing failures.

        ``repeat_unknown=False``: a failure after which Amazon may have acted (5xx, timeout, cut
        connection) raises :class:`OutcomeUnknown` instead of repeating the call.
        """
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
                if not repeat_unknown:
                    raise _outcome_unknown(operation, exc) from exc
                delay, error = _backoff(attempt), exc
            except SellingApiForbiddenException as exc:
                # an expired or revoked token (it may expire between two attempts): fetch a new one once
                if token_renewed:
                    raise TerminalError(f"{operation}: access denied: {_describe(exc)}") from exc
                _forget_access_token()
                token_renewed = True
                delay, error = 0.0, exc
            except SellingApiException as exc:
                if not repeat_unknown and isinstance(exc, SellingApiGatewayTimeoutException):
                    raise _outcome_unknown(operation, exc) from exc
                raise TerminalError(f"{operation}: {_describe(exc)}") from exc
            except AuthorizationError as exc:
                raise TerminalError(f"Login with Amazon refused the credentials: {exc}") from exc
            except httpx.TransportError as exc:
                if not repeat_unknown and not isinstance(exc, NEVER_SENT):
                    raise _outcome_unknown(operation, exc) from exc
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


#: transport failures that happen before the request reaches Amazon: safe to repeat any call
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _outcome_unknown(operation: str, exc: Exception) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"{operation}: {_describe(exc)}; Amazon may have acted on the call, so it is not repeated automatically"
    )


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

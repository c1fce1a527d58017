"""The WSGI application: routing, authentication, faults, rate limits, and ``create_app``.

Every SP-API call goes through the same steps, under the state lock: advance time-driven state
(pending orders, feeds, reports, generated orders), check ``x-amz-access-token`` (403 ``Unauthorized``
if missing, unknown, expired, or an RDT that does not name this path), draw an injected fault, take a
token from the operation's bucket (429 ``QuotaExceeded`` when empty), then run the handler. Every answer
except a 403 carries ``x-amzn-RateLimit-Limit``, and every answer carries ``x-amzn-RequestId``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import control, feeds, lwa, messaging, orders_v0, orders_v2026, reports, solicitations, tokens, uploads
from .auth import AccessToken, Credentials, TokenStore
from .clock import SimClock, parse_timestamp
from .config import SimConfig
from .documents import DocumentSigner
from .errors import LwaError, SpApiError, error_body, internal_failure, unauthorized
from .faults import FaultInjector
from .feed_processing import advance_feeds
from .generator import DEFAULT_SKUS, OrderGenerator, advance_pending
from .ratelimit import USAGE_PLANS, RateLimiter
from .routing import Call, Operation, Reply
from .state import SimState

logger = logging.getLogger(__name__)

# How many generated orders one request may catch up on after a long pause or a clock jump.
_MAX_GENERATED_PER_TICK = 20

OPERATIONS: tuple[Operation, ...] = (
    Operation("ordersV0", "getOrders", "GET", "/orders/v0/orders", orders_v0.get_orders),
    Operation("ordersV0", "getOrder", "GET", "/orders/v0/orders/<orderId>", orders_v0.get_order),
    Operation(
        "ordersV0",
        "getOrderBuyerInfo",
        "GET",
        "/orders/v0/orders/<orderId>/buyerInfo",
        orders_v0.get_order_buyer_info,
    ),
    Operation(
        "ordersV0",
        "getOrderAddress",
        "GET",
        "/orders/v0/orders/<orderId>/address",
        orders_v0.get_order_address,
    ),
    Operation(
        "ordersV0",
        "getOrderItems",
        "GET",
        "/orders/v0/orders/<orderId>/orderItems",
        orders_v0.get_order_items,
    ),
    Operation(
        "ordersV0",
        "getOrderItemsBuyerInfo",
        "GET",
        "/orders/v0/orders/<orderId>/orderItems/buyerInfo",
        orders_v0.get_order_items_buyer_info,
    ),
    Operation(
        "ordersV0",
        "confirmShipment",
        "POST",
        "/orders/v0/orders/<orderId>/shipmentConfirmation",
        orders_v0.confirm_shipment,
    ),
    Operation(
        "orders_2026-01-01", "searchOrders", "GET", "/orders/2026-01-01/orders", orders_v2026.search_orders
    ),
    Operation(
        "orders_2026-01-01", "getOrder", "GET", "/orders/2026-01-01/orders/<orderId>", orders_v2026.get_order
    ),
    Operation(
        "tokens_2021-03-01",
        "createRestrictedDataToken",
        "POST",
        "/tokens/2021-03-01/restrictedDataToken",
        tokens.create_restricted_data_token,
    ),
    Operation("reports_2021-06-30", "getReports", "GET", "/reports/2021-06-30/reports", reports.get_reports),
    Operation(
        "reports_2021-06-30", "createReport", "POST", "/reports/2021-06-30/reports", reports.create_report
    ),
    Operation(
        "reports_2021-06-30", "getReport", "GET", "/reports/2021-06-30/reports/<reportId>", reports.get_report
    ),
    Operation(
        "reports_2021-06-30",
        "cancelReport",
        "DELETE",
        "/reports/2021-06-30/reports/<reportId>",
        reports.cancel_report,
    ),
    Operation(
        "reports_2021-06-30",
        "getReportDocument",
        "GET",
        "/reports/2021-06-30/documents/<reportDocumentId>",
        reports.get_report_document,
    ),
    Operation("feeds_2021-06-30", "getFeeds", "GET", "/feeds/2021-06-30/feeds", feeds.get_feeds),
    Operation("feeds_2021-06-30", "createFeed", "POST", "/feeds/2021-06-30/feeds", feeds.create_feed),
    Operation("feeds_2021-06-30", "getFeed", "GET", "/feeds/2021-06-30/feeds/<feedId>", feeds.get_feed),
    Operation(
        "feeds_2021-06-30", "cancelFeed", "DELETE", "/feeds/2021-06-30/feeds/<feedId>", feeds.cancel_feed
    ),
    Operation(
        "feeds_2021-06-30",
        "createFeedDocument",
        "POST",
        "/feeds/2021-06-30/documents",
        feeds.create_feed_document,
    ),
    Operation(
        "feeds_2021-06-30",
        "getFeedDocument",
        "GET",
        "/feeds/2021-06-30/documents/<feedDocumentId>",
        feeds.get_feed_document,
    ),
    Operation(
        "solicitations",
        "getSolicitationActionsForOrder",
        "GET",
        "/solicitations/v1/orders/<amazonOrderId>",
        solicitations.get_solicitation_actions,
    ),
    Operation(
        "solicitations",
        "createProductReviewAndSellerFeedbackSolicitation",
        "POST",
        "/solicitations/v1/orders/<amazonOrderId>/solicitations/productReviewAndSellerFeedback",
        solicitations.create_review_solicitation,
    ),
    Operation(
        "messaging",
        "getMessagingActionsForOrder",
        "GET",
        "/messaging/v1/orders/<amazonOrderId>",
        messaging.get_messaging_actions,
    ),
    Operation(
        "messaging",
        "sendInvoice",
        "POST",
        "/messaging/v1/orders/<amazonOrderId>/messages/invoice",
        messaging.send_invoice,
    ),
    Operation(
        "uploads_2020-11-01",
        "createUploadDestinationForResource",
        "POST",
        "/uploads/2020-11-01/uploadDestinations/<path:resource>",
        uploads.create_upload_destination,
    ),
)

# Routes without an access token: test control, presigned document URLs, the LWA token endpoint.
_PLAIN_ROUTES = (
    ("POST", "/auth/o2/token", lwa.exchange_refresh_token),
    ("GET", "/_s3/reports/<documentId>", reports.download_report_document),
    ("GET", "/_s3/feeds/<documentId>", feeds.download_feed_document),
    ("PUT", "/_s3/feeds/<documentId>", feeds.upload_feed_document),
    ("PUT", "/_s3/uploads/<uploadDestinationId>", uploads.upload_to_destination),
    ("POST", "/_sim/orders", control.post_order),
    ("GET", "/_sim/orders", control.list_orders),
    ("GET", "/_sim/orders/<orderId>", control.get_order),
    ("POST", "/_sim/orders/<orderId>/status", control.set_status),
    ("GET", "/_sim/shipment-confirmations", control.shipment_confirmations),
    ("POST", "/_sim/settlement-reports", control.post_settlement_report),
    ("GET", "/_sim/solicitations", control.solicitations),
    ("GET", "/_sim/feeds", control.feeds),
    ("GET", "/_sim/messages", control.messages),
    ("GET", "/_sim/uploads/<uploadDestinationId>", uploads.download_upload),
    ("GET", "/_sim/clock", control.clock),
    ("POST", "/_sim/clock", control.clock),
    ("POST", "/_sim/faults", control.faults),
    ("POST", "/_sim/generate", control.generate),
    ("POST", "/_sim/reset", control.reset),
)


def _json_response(reply: Reply, request_id: str) -> Response:
    headers = {"x-amzn-RequestId": request_id, **reply.headers}
    if reply.raw is not None:
        return Response(reply.raw, status=reply.status, headers=headers, content_type=reply.content_type)
    if reply.body is None:
        return Response(b"", status=reply.status, headers=headers)
    payload = json.dumps(reply.body, ensure_ascii=False).encode()
    return Response(payload, status=reply.status, headers=headers, content_type="application/json")


class Simulator:
    """The Amazon SP-API simulator as a WSGI callable; all state is in memory and guarded by one lock."""

    def __init__(self, config: SimConfig, *, clock: SimClock, rng: random.Random) -> None:
        self.config = config
        self.clock = clock
        self.rng = rng
        self.state = SimState()
        self.tokens = TokenStore()
        self.limiter = RateLimiter(enabled=not config.relaxed)
        self.faults = FaultInjector(rng)
        self.signer = DocumentSigner()
        self.generator = OrderGenerator(rng, config.skus)
        rules = [Rule(op.rule, endpoint=("sp", op), methods=[op.method]) for op in OPERATIONS]
        rules += [
            Rule(path, endpoint=("plain", handler), methods=[method])
            for method, path, handler in _PLAIN_ROUTES
        ]
        self.url_map = Map(rules, strict_slashes=False)

    def reset(self) -> None:
        with self.state.lock:
            self.state.reset()
            self.tokens.reset()
            self.limiter.reset()
            self.faults.reset()
            self.clock.reset()

    def tick(self, now: dt.datetime) -> None:
        """Apply everything that became due by ``now``: pending orders, feeds, reports, generated orders."""
        with self.state.lock:
            advance_pending(self.state.orders, now)
            processing = dt.timedelta(seconds=self.config.processing_seconds)
            transit = dt.timedelta(days=self.config.transit_days)
            advance_feeds(self.state, now=now, processing=processing, transit=transit)
            reports.advance_reports(self.state, now=now, processing=processing)
            self._generate_due(now)

    def _generate_due(self, now: dt.datetime) -> None:
        every = self.config.generate_every
        if not every:
            return
        last = self.state.last_generated
        if last is None:
            self.state.last_generated = now
            return
        due = math.floor((now - last).total_seconds() / every)
        for index in range(1, min(due, _MAX_GENERATED_PER_TICK) + 1):
            record = self.generator.order(last + dt.timedelta(seconds=every * index))
            self.state.orders[record.order_id] = record
        if due > 0:
            self.state.last_generated = last + dt.timedelta(seconds=every * due)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            (kind, target), args = adapter.match()
        except (NotFound, MethodNotAllowed) as error:
            reply = Reply(
                error.code or 404,
                error_body(
                    "NotFound" if error.code == 404 else "MethodNotAllowed",
                    error.description or "The resource was not found.",
                ),
            )
            return _json_response(reply, request_id)
        except HTTPException as error:
            return error.get_response()
        try:
            if kind == "sp":
                reply = self._sp_api(target, request, args)
            else:
                with self.state.lock:
                    now = self.clock.now()
                    self.tick(now)
                    reply = target(Call(self, request, now, args))
        except LwaError as error:
            reply = Reply(error.status, error.body())
        except SpApiError as error:
            reply = Reply(error.status, error.body())
        except Exception:
            logger.exception("amazon simulator: unexpected error in %s %s", request.method, request.path)
            failure = internal_failure()
            reply = Reply(failure.status, failure.body())
        return _json_response(reply, request_id)

    def _authenticate(self, request: Request, now: dt.datetime) -> AccessToken:
        value = request.headers.get("x-amz-access-token", "")
        token = self.tokens.find(value) if value else None
        if token is None:
            raise unauthorized()
        if now >= token.expires_at:
            raise unauthorized("The access token you provided has expired.")
        if token.restricted is not None and token.covering(request.method, request.path) is None:
            raise unauthorized("The Restricted Data Token does not cover this operation and path.")
        return token

    def _sp_api(self, operation: Operation, request: Request, args: dict[str, str]) -> Reply:
        plan = USAGE_PLANS[operation.key]
        limit = {"x-amzn-RateLimit-Limit": plan.rate}
        try:
            with self.state.lock:
                now = self.clock.now()
                self.tick(now)
                token = self._authenticate(request, now)
                fault = self.faults.draw(operation.api, operation.operation_id)
        except SpApiError as error:
            return Reply(error.status, error.body())
        if fault and fault.delay_seconds:
            # Outside the lock: a hanging call must not stall the other clients.
            time.sleep(fault.delay_seconds)
        try:
            with self.state.lock:
                now = self.clock.now()
                if fault and fault.error:
                    raise fault.error
                if not self.limiter.take(token.app_key, operation.key, plan, now):
                    raise SpApiError(
                        429, "QuotaExceeded", "You exceeded your quota for the requested resource."
                    )
                reply = operation.handler(Call(self, request, now, args, token))
        except SpApiError as error:
            reply = Reply(error.status, error.body())
        reply.headers.update(limit)
        return reply


def _number(value: float | str | None, name: str) -> float | None:
    """A number given as such or as text (``orderpilot sim amazon -o generate_every=15`` passes text)."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None


def create_app(
    relaxed: bool = False,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    refresh_token: str | None = None,
    generate_every: float | str | None = None,
    skus: Sequence[str] | str | None = None,
    transit_days: float | str = 2.0,
    processing_seconds: float | str = 10.0,
    start: dt.datetime | str | None = None,
    seed: int | str | None = None,
    public_url: str | None = None,
) -> Simulator:
    """The Amazon SP-API simulator as a WSGI application (``orderpilot sim amazon`` serves it).

    Every option may also be given as text, as ``orderpilot sim amazon -o KEY=VALUE`` passes it
    (``skus`` comma-separated, ``start`` ISO-8601).

    Args:
        relaxed: no rate limits (``--relaxed``, for benchmarks).
        client_id, client_secret, refresh_token: the accepted LWA credentials; default from
            ``ORDERPILOT_SIM_AMAZON_CLIENT_ID``/``_CLIENT_SECRET``/``_REFRESH_TOKEN``, else
            ``amzn1.application-oa2-client.sim`` / ``sim-secret`` / ``Atzr|sim-refresh``.
        generate_every: seconds between generated orders; ``None`` reads
            ``ORDERPILOT_SIM_AMAZON_GENERATE_EVERY`` (unset: off); ``0`` is off.
        skus: the SKUs generated orders use; default ``ORDERPILOT_SIM_AMAZON_SKUS`` (comma-separated),
            else MUG-01, LAMP-02, TEE-03.
        transit_days: ship date → delivery, for orders without delivery dates (review window, package
            DELIVERED status).
        processing_seconds: simulator time a feed or a requested report takes to be DONE.
        start: freeze the clock at this instant (tests); ``None`` follows the real time.
        seed: seed of the random source (generated orders, fault draws).
        public_url: base URL of the report/feed document links (default ``ORDERPILOT_SIM_AMAZON_PUBLIC_URL``,
            else the address the server listens on), e.g. when clients reach it through a proxy.

    Raises:
        ValueError: an option cannot be read.
    """
    every = _number(generate_every, "generate_every")
    if generate_every is None:
        every = _number(os.environ.get("ORDERPILOT_SIM_AMAZON_GENERATE_EVERY", "").strip(), "generate_every")
    if skus is None:
        skus = os.environ.get("ORDERPILOT_SIM_AMAZON_SKUS", "")
    if isinstance(skus, str):
        skus = [s.strip() for s in skus.split(",") if s.strip()]
    config = SimConfig(
        credentials=Credentials.resolve(
            client_id=client_id, client_secret=client_secret, refresh_token=refresh_token
        ),
        relaxed=relaxed,
        transit_days=_number(transit_days, "transit_days") or 0.0,
        processing_seconds=_number(processing_seconds, "processing_seconds") or 0.0,
        generate_every=every or None,
        skus=tuple(skus) or DEFAULT_SKUS,
        public_url=public_url or os.environ.get("ORDERPILOT_SIM_AMAZON_PUBLIC_URL") or None,
    )
    frozen = parse_timestamp(start) if isinstance(start, str) else start
    random_source = random.Random(int(seed) if seed not in (None, "") else None)
    return Simulator(config, clock=SimClock(frozen), rng=random_source)

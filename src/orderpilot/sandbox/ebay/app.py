"""The eBay simulator's WSGI application: OAuth token endpoint, Sell Fulfillment and Sell Finances APIs,
and the ``/_sim/`` test control.

Served paths (production hosts: ``api.ebay.com``; Finances at ``apiz.ebay.com`` — here one host serves all):

====================================================================  ==========================
``POST /identity/v1/oauth2/token``                                    refresh-token grant
``GET  /sell/fulfillment/v1/order``                                   getOrders
``GET  /sell/fulfillment/v1/order/{orderId}``                         getOrder
``GET  /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment``    getShippingFulfillments
``POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment``    createShippingFulfillment
``GET  /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment/{id}``  getShippingFulfillment
``GET  /sell/finances/v1/payout`` and ``/payout/{payoutId}``          getPayouts, getPayout
``GET  /sell/finances/v1/transaction``                                getTransactions
====================================================================  ==========================

Test control (CONTRACT.md §4): ``POST /_sim/orders`` (a Sell Fulfillment ``Order``), ``PATCH
/_sim/orders/{orderId}`` (merge fields, e.g. ``orderPaymentStatus``), ``POST /_sim/orders/{orderId}/cancel``
(``{"cancelState": "IN_PROGRESS"|"CANCELED", "reason"}``), ``GET /_sim/orders``, ``GET /_sim/fulfillments``
(every shipping fulfillment created, with the request as received), ``POST /_sim/payouts`` (a ``Payout``
plus ``transactions``), ``GET /_sim/requests`` (every API call: operation and status), ``POST /_sim/faults``
(``{"status", "rate"}`` or ``{"status", "count", "after"}``, optionally ``"operations"``; see
:class:`.control.Faults`), ``POST /_sim/clock`` (``{"advance": "6d"}``), ``GET /_sim/clock``, ``POST /_sim/reset``.
Every API call needs a user access token (Bearer) with the API's scope, counts against the API's daily
limit (:mod:`.quota`) unless ``relaxed``, and may be hit by an injected fault; Finances calls of an EU
seller (``signing_keys`` given) must be digitally signed (:mod:`.signatures`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import threading
from typing import Any

from werkzeug.wrappers import Request, Response

from .auth import (
    GRANTED_SCOPES,
    SCOPE_FINANCES,
    SCOPE_FULFILLMENT,
    SCOPE_FULFILLMENT_READ,
    Credentials,
    TokenStore,
)
from .auth import exchange_refresh_token as oauth_exchange
from .control import (
    Faults,
    HTTPException,
    LazyGenerator,
    MethodNotAllowed,
    Route,
    Router,
    SimClock,
    generate_every_from,
    json_response,
    parse_duration,
    read_json,
)
from .errors import (
    FINANCES,
    FULFILLMENT,
    EbayError,
    OAuthError,
    access_denied,
    invalid_access_token,
    system_error,
    too_many_requests,
    unavailable,
)
from .finances import build_payout, search_payouts, search_transactions
from .fulfillments import create as create_fulfillment
from .generator import generated_order
from .orders import IntakeError, build_order, cancel, format_time, search, visible_order
from .quota import DailyQuota
from .signatures import load_public_key, verify

FULFILLMENT_BASE = "/sell/fulfillment/v1"
FINANCES_BASE = "/sell/finances/v1"

ROUTES = (
    Route("/identity/v1/oauth2/token", ("POST",), "getToken"),
    Route(f"{FULFILLMENT_BASE}/order", ("GET",), "getOrders"),
    Route(f"{FULFILLMENT_BASE}/order/<order_id>", ("GET",), "getOrder"),
    Route(f"{FULFILLMENT_BASE}/order/<order_id>/shipping_fulfillment", ("GET",), "getShippingFulfillments"),
    Route(f"{FULFILLMENT_BASE}/order/<order_id>/shipping_fulfillment", ("POST",), "createShippingFulfillment"),
    Route(f"{FULFILLMENT_BASE}/order/<order_id>/shipping_fulfillment/<fulfillment_id>", ("GET",),
          "getShippingFulfillment"),  # fmt: skip
    Route(f"{FINANCES_BASE}/payout", ("GET",), "getPayouts"),
    Route(f"{FINANCES_BASE}/payout/<payout_id>", ("GET",), "getPayout"),
    Route(f"{FINANCES_BASE}/transaction", ("GET",), "getTransactions"),
    Route("/_sim/orders", ("GET", "POST"), "sim_orders"),
    Route("/_sim/orders/<order_id>", ("PATCH",), "sim_patch_order"),
    Route("/_sim/orders/<order_id>/cancel", ("POST",), "sim_cancel_order"),
    Route("/_sim/fulfillments", ("GET",), "sim_fulfillments"),
    Route("/_sim/payouts", ("GET", "POST"), "sim_payouts"),
    Route("/_sim/requests", ("GET",), "sim_requests"),
    Route("/_sim/faults", ("GET", "POST"), "sim_faults"),
    Route("/_sim/clock", ("GET", "POST"), "sim_clock"),
    Route("/_sim/reset", ("POST",), "sim_reset"),
)

#: operation → (API for daily limits, scopes that allow it, error domain)
OPERATIONS: dict[str, tuple[str, frozenset[str], str]] = {
    "getOrders": ("sell.fulfillment", frozenset({SCOPE_FULFILLMENT, SCOPE_FULFILLMENT_READ}), FULFILLMENT),
    "getOrder": ("sell.fulfillment", frozenset({SCOPE_FULFILLMENT, SCOPE_FULFILLMENT_READ}), FULFILLMENT),
    "getShippingFulfillments": ("sell.fulfillment", frozenset({SCOPE_FULFILLMENT, SCOPE_FULFILLMENT_READ}),
                                FULFILLMENT),  # fmt: skip
    "getShippingFulfillment": ("sell.fulfillment", frozenset({SCOPE_FULFILLMENT, SCOPE_FULFILLMENT_READ}),
                               FULFILLMENT),  # fmt: skip
    "createShippingFulfillment": ("sell.fulfillment", frozenset({SCOPE_FULFILLMENT}), FULFILLMENT),
    "getPayouts": ("sell.finances", frozenset({SCOPE_FINANCES}), FINANCES),
    "getPayout": ("sell.finances", frozenset({SCOPE_FINANCES}), FINANCES),
    "getTransactions": ("sell.finances", frozenset({SCOPE_FINANCES}), FINANCES),
}


class EbaySimulator:
    """In-memory, thread-safe state behind one re-entrant lock; one instance is one WSGI application."""

    def __init__(
        self,
        *,
        relaxed: bool,
        credentials: Credentials,
        generate_every: dt.timedelta | None,
        daily_limits: dict[str, int] | None,
        signing_keys: dict[str, str] | None,
        granted_scopes: frozenset[str],
        start: dt.datetime | None,
        seed: int,
    ) -> None:
        self.lock = threading.RLock()
        self.granted_scopes = granted_scopes
        #: JWE → Ed25519 public key; when any is registered, the seller counts as EU-domiciled and every
        #: Finances API call must be signed
        self.signing_keys = {jwe: load_public_key(pem) for jwe, pem in (signing_keys or {}).items()}
        self.clock = SimClock(start)
        self.credentials = credentials
        self.tokens = TokenStore()
        self.quota = DailyQuota(daily_limits, enabled=not relaxed)
        self.faults = Faults()
        self.router = Router(ROUTES)
        self._seed = seed
        self.generator = LazyGenerator(generate_every, self._generate)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self._seed)  # noqa: S311 - ids and demo data, not security
            self.orders: dict[str, dict[str, Any]] = {}
            self.fulfillments: dict[str, list[dict[str, Any]]] = {}
            self.received: list[dict[str, Any]] = []
            self.payouts: dict[str, dict[str, Any]] = {}
            self.transactions: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self._payout_ids = itertools.count(7_000_000_001)
            self.tokens.reset()
            self.quota.reset()
            self.faults.configure({"rate": 0})
            self.clock.reset()
            self.generator.reset()

    # --- WSGI -----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = self.router.match(request)
        except MethodNotAllowed:
            return json_response(EbayError(405, 2003, "Method not allowed", domain="API").body(), 405)
        except HTTPException:
            return json_response(EbayError(404, 2002, "Resource not found", domain="ACCESS").body(), 404)
        with self.lock:
            now = self.clock.now()
            if endpoint.startswith("sim_"):
                return self._control(endpoint, request, args, now)
            self.generator.catch_up(now)
            try:
                response = self._serve(endpoint, request, args, now)
            except EbayError as exc:
                response = json_response(exc.body(), exc.status, exc.headers)
            except OAuthError as exc:
                response = json_response(exc.body(), exc.status)
            self.requests.append({"operation": endpoint, "method": request.method, "path": request.path,
                                  "status": response.status_code, "at": format_time(now)})  # fmt: skip
            return response

    def _base(self, request: Request) -> str:
        return request.host_url.rstrip("/")

    # --- API ------------------------------------------------------------------------------------
    def _serve(self, endpoint: str, request: Request, args: dict[str, Any], now: dt.datetime) -> Response:
        if endpoint == "getToken":
            status = self.faults.hits(endpoint)
            if status:
                limit = self.quota.limits["identity.refresh_token"]
                raise unavailable(status) if status != 429 else too_many_requests("identity.refresh_token", limit)
            if not self.quota.take("identity.refresh_token", now):
                raise too_many_requests("identity.refresh_token", self.quota.limits["identity.refresh_token"])
            body = oauth_exchange(request.form, request.headers.get("Authorization", ""), self.credentials,
                                  self.tokens, now, self.granted_scopes)  # fmt: skip
            return json_response(body)
        api, scopes, domain = OPERATIONS[endpoint]
        status = self.faults.hits(endpoint)
        if status == 429:
            raise too_many_requests(api, self.quota.limits[api])
        if status == 404:
            raise EbayError(404, 2002, "Resource not found", domain="ACCESS")
        if status:
            raise system_error(domain) if status == 500 else unavailable(status, domain)
        header = request.headers.get("Authorization", "")
        token = self.tokens.valid(header[7:].strip(), now) if header.startswith("Bearer ") else None
        if token is None:
            raise invalid_access_token()
        if not token.scopes & scopes:
            raise access_denied()
        if not self.quota.take(api, now):
            raise too_many_requests(api, self.quota.limits[api])
        if domain == FINANCES and self.signing_keys:
            verify(request, self.signing_keys)
        return getattr(self, f"_{endpoint}")(request, args, now)

    def _order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise EbayError(400, 32100, f"Invalid order ID: {order_id}", parameters={"orderId": order_id})
        return order

    def _getOrders(self, request: Request, args: dict[str, Any], now: dt.datetime) -> Response:  # noqa: N802
        base = f"{self._base(request)}{FULFILLMENT_BASE}/order"
        return json_response(search(list(self.orders.values()), dict(request.args), now=now, base_url=base))

    def _getOrder(self, request: Request, args: dict[str, Any], now: dt.datetime) -> Response:  # noqa: N802
        return json_response(visible_order(self._order(args["order_id"]), in_list=False))

    def _getShippingFulfillments(self, request, args, now) -> Response:  # noqa: N802
        self._order(args["order_id"])
        rows = self.fulfillments.get(args["order_id"], [])
        return json_response({"fulfillments": rows, "total": len(rows), "warnings": []})

    def _getShippingFulfillment(self, request, args, now) -> Response:  # noqa: N802
        self._order(args["order_id"])
        for row in self.fulfillments.get(args["order_id"], []):
            if row["fulfillmentId"] == args["fulfillment_id"]:
                return json_response(row)
        raise EbayError(400, 32110, f"Invalid shipping fulfillment ID: {args['fulfillment_id']}")

    def _createShippingFulfillment(self, request, args, now) -> Response:  # noqa: N802
        order = self._order(args["order_id"])
        try:
            body = read_json(request)
        except ValueError:
            raise EbayError(400, 32600, "Invalid input data") from None
        record = create_fulfillment(order, body, now=now)
        self.fulfillments.setdefault(order["orderId"], []).append(record)
        location = f"{self._base(request)}{FULFILLMENT_BASE}/order/{order['orderId']}/shipping_fulfillment/" \
                   f"{record['fulfillmentId']}"  # fmt: skip
        order["fulfillmentHrefs"].append(location)
        self.received.append({"orderId": order["orderId"], "fulfillmentId": record["fulfillmentId"], "request": body,
                              "receivedAt": format_time(now)})  # fmt: skip
        return json_response({}, 201, {"Location": location})

    def _getPayouts(self, request, args, now) -> Response:  # noqa: N802
        body = search_payouts(list(self.payouts.values()), dict(request.args),
                              base_url=f"{self._base(request)}{FINANCES_BASE}/payout")  # fmt: skip
        return json_response(body) if body else Response(status=204)

    def _getPayout(self, request, args, now) -> Response:  # noqa: N802
        payout = self.payouts.get(args["payout_id"])
        if payout is None:
            raise EbayError(404, 135001, "The payout id was not found.", domain=FINANCES)
        return json_response(payout)

    def _getTransactions(self, request, args, now) -> Response:  # noqa: N802
        body = search_transactions(self.transactions, dict(request.args),
                                   base_url=f"{self._base(request)}{FINANCES_BASE}/transaction")  # fmt: skip
        return json_response(body) if body else Response(status=204)

    # --- /_sim/ ---------------------------------------------------------------------------------
    def _generate(self, at: dt.datetime) -> None:
        order = build_order(generated_order(self.rng, at), now=at, rng=self.rng)
        self.orders[order["orderId"]] = order

    def _control(self, endpoint: str, request: Request, args: dict[str, Any], now: dt.datetime) -> Response:
        try:
            return getattr(self, f"_{endpoint}")(request, args, now)
        except (IntakeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)

    def _sim_orders(self, request, args, now) -> Response:
        if request.method == "GET":
            return json_response({"orders": list(self.orders.values())})
        order = build_order(read_json(request), now=now, rng=self.rng)
        if order["orderId"] in self.orders:
            raise IntakeError(f"order {order['orderId']} exists already; PATCH /_sim/orders/{{orderId}} changes it")
        self.orders[order["orderId"]] = order
        return json_response(order, 201)

    def _sim_patch_order(self, request, args, now) -> Response:
        order = self.orders.get(args["order_id"])
        if order is None:
            return json_response({"error": f"no order {args['order_id']}"}, 404)
        changes = read_json(request)
        if not isinstance(changes, dict) or {"orderId", "lineItems"} & set(changes):
            raise IntakeError("send an object of top-level Order fields to change (not orderId or lineItems)")
        order.update(changes)
        order["lastModifiedDate"] = changes.get("lastModifiedDate") or format_time(now)
        return json_response(order)

    def _sim_cancel_order(self, request, args, now) -> Response:
        order = self.orders.get(args["order_id"])
        if order is None:
            return json_response({"error": f"no order {args['order_id']}"}, 404)
        body = read_json(request) if request.get_data(cache=True).strip() else {}
        cancel(order, state=body.get("cancelState", "CANCELED"), reason=body.get("reason", ""), now=now)
        return json_response(order)

    def _sim_fulfillments(self, request, args, now) -> Response:
        return json_response({"fulfillments": self.received})

    def _sim_payouts(self, request, args, now) -> Response:
        if request.method == "GET":
            return json_response({"payouts": list(self.payouts.values()), "transactions": self.transactions})
        payout, transactions = build_payout(read_json(request), now=now, next_id=next(self._payout_ids),
                                            orders=self.orders)  # fmt: skip
        if payout["payoutId"] in self.payouts:
            raise IntakeError(f"payout {payout['payoutId']} exists already")
        self.payouts[payout["payoutId"]] = payout
        self.transactions.extend(transactions)
        return json_response({**payout, "transactions": transactions}, 201)

    def _sim_requests(self, request, args, now) -> Response:
        return json_response({"requests": self.requests})

    def _sim_faults(self, request, args, now) -> Response:
        if request.method == "POST":
            self.faults.configure(read_json(request))
        return json_response(self.faults.describe())

    def _sim_clock(self, request, args, now) -> Response:
        if request.method == "POST":
            now = self.clock.advance(parse_duration(str(read_json(request).get("advance", ""))))
        return json_response({"now": format_time(now)})

    def _sim_reset(self, request, args, now) -> Response:
        self.reset()
        return json_response({"reset": True})


def create_app(
    *,
    relaxed: bool = False,
    client_id: str | None = None,
    client_secret: str | None = None,
    refresh_token: str | None = None,
    generate_every: float | str | None = None,
    daily_limits: dict[str, int] | None = None,
    signing_keys: dict[str, str] | None = None,
    granted_scopes: list[str] | None = None,
    start: dt.datetime | None = None,
    seed: int = 1,
) -> EbaySimulator:
    """The eBay simulator as a WSGI application.

    :param relaxed: do not enforce the daily call limits.
    :param client_id, client_secret, refresh_token: the one application and seller authorisation accepted;
        defaults in :mod:`.auth`, overridable by ``ORDERPILOT_SIM_EBAY_*`` environment variables.
    :param generate_every: add a generated order every so many seconds (or a duration such as ``"30s"``);
        default from ``ORDERPILOT_SIM_EBAY_GENERATE_EVERY``; off when neither is set.
    :param daily_limits: per-API overrides of :data:`.quota.DAILY_LIMITS` (tests use small ones).
    :param signing_keys: JWE → Ed25519 public key (PEM) of the seller's signing keys; given, the seller is
        EU-domiciled and Finances API calls must carry valid digital signatures (:mod:`.signatures`).
    :param granted_scopes: the OAuth scopes the seller consented to (default: :data:`.auth.GRANTED_SCOPES`).
    :param start: freeze the clock at this instant (moved only by ``/_sim/clock``); default: real time.
    """
    return EbaySimulator(
        relaxed=relaxed,
        credentials=Credentials.resolve(client_id=client_id, client_secret=client_secret, refresh_token=refresh_token),
        generate_every=generate_every_from(generate_every, os.environ.get("ORDERPILOT_SIM_EBAY_GENERATE_EVERY")),
        daily_limits=daily_limits,
        signing_keys=signing_keys,
        granted_scopes=frozenset(granted_scopes) if granted_scopes else GRANTED_SCOPES,
        start=start,
        seed=seed,
    )

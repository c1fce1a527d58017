"""The Gambio simulator's WSGI application: the shop's GX REST API v2 under ``/api.php/v2`` and ``/_sim/``.

Modelled on Gambio GX3/GX4's REST API **v2** (gambio/docs ``docs/Tutorials/API/v2/openapi.json``; the v3
API has no order resources). Served:

======================================================  ==========================================
``GET   /api.php/v2/orders``                            list items; ``?modified=Y-m-d H:i:s`` (or
                                                        ``changed``) answers the change history
                                                        (orders are never deleted here: ``deleted``
                                                        stays empty)
``GET   /api.php/v2/orders/{id}``                       the full GXOrder
``GET   /api.php/v2/orders/{id}/history``               status history
``PATCH /api.php/v2/orders/{id}/status``                new status + history entry
                                                        ``{statusId, comment, customerNotified}``
``GET|POST /api.php/v2/orders/{id}/tracking_codes``     tracking codes ``{trackingCode,
                                                        parcelServiceId, languageId}`` → 201 [code]
``GET   /api.php/v2/parcel_services``, ``/order_statuses``  the shop's parcel services and statuses
======================================================  ==========================================

Every request needs HTTP Basic credentials (401 otherwise) and a ``User-Agent``; POST/PATCH need
``Content-Type: application/json`` (400 otherwise, guides/request-requirements.md). Gambio publishes no
rate limit for v2, so ``relaxed`` changes nothing here. Test control: ``POST /_sim/orders`` (a GXOrder),
``GET /_sim/orders``, ``POST /_sim/orders/{id}/status`` (the merchant changes the status in the admin, e.g.
prepayment received), ``GET /_sim/status-updates`` (every status and tracking-code write through the API,
as received), ``POST /_sim/faults``, ``POST|GET /_sim/clock``, ``POST /_sim/reset``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import threading
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from orderpilot.sandbox.ebay.control import (
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

from .errors import Credentials, GambioError
from .generator import generated_order
from .orders import (
    ORDER_STATUSES,
    PARCEL_SERVICES,
    STATUS_COLORS,
    IntakeError,
    build_order,
    list_item,
    parse_shop_time,
    shop_time,
    sort_rows,
)

API = "/api.php/v2"
DEFAULT_PER_PAGE = 50

ROUTES = (
    Route(f"{API}/orders", ("GET",), "getOrders"),
    Route(f"{API}/orders/<int:order_id>", ("GET",), "getOrder"),
    Route(f"{API}/orders/<int:order_id>/history", ("GET",), "getOrderHistories"),
    Route(f"{API}/orders/<int:order_id>/status", ("PATCH",), "updateOrderStatus"),
    Route(f"{API}/orders/<int:order_id>/tracking_codes", ("GET",), "getOrderTrackingCodes"),
    Route(f"{API}/orders/<int:order_id>/tracking_codes", ("POST",), "postTrackingCode"),
    Route(f"{API}/parcel_services", ("GET",), "getParcelServices"),
    Route(f"{API}/order_statuses", ("GET",), "getOrderStatuses"),
    Route("/_sim/orders", ("GET", "POST"), "sim_orders"),
    Route("/_sim/orders/<int:order_id>/status", ("POST",), "sim_order_status"),
    Route("/_sim/status-updates", ("GET",), "sim_status_updates"),
    Route("/_sim/requests", ("GET",), "sim_requests"),
    Route("/_sim/faults", ("GET", "POST"), "sim_faults"),
    Route("/_sim/clock", ("GET", "POST"), "sim_clock"),
    Route("/_sim/reset", ("POST",), "sim_reset"),
)


class GambioSimulator:
    """One shop: in-memory, thread-safe state behind one re-entrant lock."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        generate_every: dt.timedelta | None,
        timezone: str,
        start: dt.datetime | None,
        seed: int,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = SimClock(start)
        self.zone = ZoneInfo(timezone)
        self.credentials = credentials
        self.faults = Faults()
        self.router = Router(ROUTES)
        self._seed = seed
        self.generator = LazyGenerator(generate_every, self._generate)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self._seed)  # noqa: S311 - demo data, not security
            self.orders: dict[int, dict[str, Any]] = {}
            self.last_modified: dict[int, dt.datetime] = {}
            self.tracking_codes: dict[int, list[dict[str, Any]]] = {}
            self.status_updates: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            ids = itertools.count(400_001)
            item_ids = itertools.count(1)
            customer_ids = itertools.count(101)
            code_ids = itertools.count(1)
            self._next_id = lambda: next(ids)
            self._next_item_id = lambda: next(item_ids)
            self._next_customer_id = lambda: next(customer_ids)
            self._next_code_id = lambda: next(code_ids)
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
            return json_response(GambioError(405, "The requested resource is not supported by the API v2.")
                                 .body(request), 405)  # fmt: skip
        except HTTPException:
            return json_response(GambioError(404, "Requested resource does not exist.").body(request), 404)
        with self.lock:
            now = self.clock.now()
            if endpoint.startswith("sim_"):
                return self._control(endpoint, request, args, now)
            self.generator.catch_up(now)
            try:
                response = self._serve(endpoint, request, args, now)
            except GambioError as exc:
                response = json_response(exc.body(request), exc.code)
            self.requests.append({"operation": endpoint, "method": request.method, "path": request.path,
                                  "status": response.status_code, "at": shop_time(now, self.zone)})  # fmt: skip
            return response

    def _serve(self, endpoint: str, request: Request, args: dict[str, Any], now: dt.datetime) -> Response:
        status = self.faults.hits(endpoint)
        if status:
            messages = {404: "Record could not be found.", 429: "Too Many Requests"}
            raise GambioError(status, messages.get(status, "Internal Server Error"))
        if not self.credentials.accepts(request.headers.get("Authorization", "")):
            raise GambioError(401, "Invalid Credentials")
        if not request.headers.get("User-Agent"):
            raise GambioError(400, "The request does not contain a User-Agent header.")
        if request.method in ("POST", "PATCH") and request.mimetype != "application/json":
            raise GambioError(400, "The request Content-Type must be application/json.")
        return getattr(self, f"_{endpoint}")(request, args, now)

    # --- API ------------------------------------------------------------------------------------
    def _order(self, order_id: int) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise GambioError(404, "Record could not be found.")
        return order

    def _list_item(self, order: dict[str, Any]) -> dict[str, Any]:
        services = {s["id"]: s for s in PARCEL_SERVICES}
        links = [services[int(c["parcelServiceId"])]["url"].replace("{TRACKING_NUMBER}", c["trackingCode"])
                 for c in self.tracking_codes.get(order["id"], [])]  # fmt: skip
        return list_item(order, links)

    def _touch(self, order: dict[str, Any], now: dt.datetime) -> None:
        self.last_modified[order["id"]] = now

    def _getOrders(self, request: Request, args, now) -> Response:  # noqa: N802
        query = request.args
        since_text = query.get("changed") or query.get("modified")
        if since_text is None and query.get("deleted") is None:
            rows = sort_rows([self._list_item(o) for o in self.orders.values()], query.get("sort"))
            if query.get("page") is None:
                return json_response(rows)
            return self._paged(request, rows)
        for name in ("changed", "modified", "deleted"):
            value = query.get(name)
            if value is not None:
                try:
                    parse_shop_time(value, self.zone)
                except ValueError:
                    raise GambioError(400, f"Given {name} date is invalid. Expected format: 2018-09-25 15:59:01") \
                        from None  # fmt: skip
        body: dict[str, list[Any]] = {"deleted": [], "modified": []}
        if since_text is not None:
            since = parse_shop_time(since_text, self.zone)
            changed = [self._list_item(o) for oid, o in self.orders.items() if self.last_modified[oid] >= since]
            page, per_page = self._page_args(query)
            rows = sort_rows(changed, query.get("sort"))
            body["modified"] = rows[(page - 1) * per_page : page * per_page]
        return json_response(body)

    def _page_args(self, query) -> tuple[int, int]:
        try:
            page = max(int(query.get("page") or 1), 1)
            per_page = int(query.get("per_page") or DEFAULT_PER_PAGE)
        except ValueError:
            raise GambioError(400, "page and per_page must be whole numbers.") from None
        if per_page < 1:
            raise GambioError(400, "Items per page number must not be below 1.")
        return page, per_page

    def _paged(self, request: Request, rows: list[dict[str, Any]]) -> Response:
        page, per_page = self._page_args(request.args)
        total_pages = max((len(rows) + per_page - 1) // per_page, 1)
        base = f"{request.host_url.rstrip('/')}{request.path}"
        links = []
        params = dict(request.args)
        if page < total_pages:
            links.append(f'<{base}?{urlencode({**params, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({**params, "page": total_pages})}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return json_response(rows[(page - 1) * per_page : page * per_page], headers=headers)

    def _getOrder(self, request, args, now) -> Response:  # noqa: N802
        return json_response(self._order(args["order_id"]))

    def _getOrderHistories(self, request, args, now) -> Response:  # noqa: N802
        return json_response(self._order(args["order_id"])["statusHistory"])

    def _add_history(self, order: dict[str, Any], body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        status_id = body.get("statusId")
        if status_id not in ORDER_STATUSES:
            raise GambioError(400, f"Order status ID {status_id!r} does not exist.")
        entry = {"id": max((h["id"] for h in order["statusHistory"]), default=0) + 1, "statusId": status_id,
                 "dateAdded": shop_time(now, self.zone), "comment": str(body.get("comment") or ""),
                 "customerNotified": bool(body.get("customerNotified", False))}  # fmt: skip
        order["statusHistory"].append(entry)
        order["statusId"] = status_id
        self._touch(order, now)
        return entry

    def _updateOrderStatus(self, request, args, now) -> Response:  # noqa: N802
        order = self._order(args["order_id"])
        try:
            body = read_json(request)
        except ValueError:
            raise GambioError(400, "Order data were not provided.") from None
        if not isinstance(body, dict):
            raise GambioError(400, "Order data were not provided.")
        entry = self._add_history(order, body, now)
        self.status_updates.append({"orderId": order["id"], "kind": "status", "request": body,
                                    "at": shop_time(now, self.zone)})  # fmt: skip
        return json_response(entry)

    def _getOrderTrackingCodes(self, request, args, now) -> Response:  # noqa: N802
        return json_response(self.tracking_codes.get(self._order(args["order_id"])["id"], []))

    def _postTrackingCode(self, request, args, now) -> Response:  # noqa: N802
        order = self._order(args["order_id"])
        try:
            body = read_json(request)
        except ValueError:
            raise GambioError(400, "Tracking code data were not provided.") from None
        services = {str(s["id"]): s for s in PARCEL_SERVICES}
        if not isinstance(body, dict) or not str(body.get("trackingCode") or "").strip():
            raise GambioError(400, "Tracking code data were not provided.")
        service = services.get(str(body.get("parcelServiceId")))
        if service is None:
            raise GambioError(400, f"Parcel service ID {body.get('parcelServiceId')!r} does not exist.")
        code = {"id": str(self._next_code_id()), "orderId": str(order["id"]), "trackingCode": str(body["trackingCode"]),
                "parcelServiceId": str(service["id"]), "parcelServiceName": service["name"],
                "languageId": str(body.get("languageId") or "2"),
                "url": service["url"].replace("{TRACKING_NUMBER}", str(body["trackingCode"])), "comment": "",
                "creationDate": shop_time(now, self.zone)}  # fmt: skip
        self.tracking_codes.setdefault(order["id"], []).append(code)
        self._touch(order, now)
        self.status_updates.append({"orderId": order["id"], "kind": "tracking_code", "request": body,
                                    "at": shop_time(now, self.zone)})  # fmt: skip
        return json_response([code], 201)

    def _getParcelServices(self, request, args, now) -> Response:  # noqa: N802
        return json_response([
            {"id": s["id"], "name": s["name"], "isDefault": s["isDefault"],
             "descriptions": {"url": {"de": s["url"], "en": s["url"]}, "comment": {"de": "", "en": ""}}}
            for s in PARCEL_SERVICES
        ])  # fmt: skip

    def _getOrderStatuses(self, request, args, now) -> Response:  # noqa: N802
        return json_response([{"id": sid, "names": names, "color": STATUS_COLORS[sid]}
                              for sid, names in ORDER_STATUSES.items()])  # fmt: skip

    # --- /_sim/ ---------------------------------------------------------------------------------
    def _store(self, body: Any, now: dt.datetime) -> dict[str, Any]:
        order = build_order(body, now=now, zone=self.zone, next_id=self._next_id, next_item_id=self._next_item_id,
                            next_customer_id=self._next_customer_id)  # fmt: skip
        if order["id"] in self.orders:
            raise IntakeError(f"order {order['id']} exists already")
        self.orders[order["id"]] = order
        self._touch(order, now)
        return order

    def _generate(self, at: dt.datetime) -> None:
        self._store(generated_order(self.rng, at, self.zone), at)

    def _control(self, endpoint: str, request: Request, args: dict[str, Any], now: dt.datetime) -> Response:
        try:
            return getattr(self, f"_{endpoint}")(request, args, now)
        except (IntakeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        except GambioError as exc:
            return json_response(exc.body(request), exc.code)

    def _sim_orders(self, request, args, now) -> Response:
        if request.method == "GET":
            return json_response({"orders": list(self.orders.values())})
        return json_response(self._store(read_json(request), now), 201)

    def _sim_order_status(self, request, args, now) -> Response:
        body = read_json(request)
        if not isinstance(body, dict):
            raise IntakeError("send {statusId, comment}")
        return json_response(self._add_history(self._order(args["order_id"]), body, now))

    def _sim_status_updates(self, request, args, now) -> Response:
        return json_response({"updates": self.status_updates})

    def _sim_requests(self, request, args, now) -> Response:
        return json_response({"requests": self.requests})

    def _sim_faults(self, request, args, now) -> Response:
        if request.method == "POST":
            self.faults.configure(read_json(request))
        return json_response(self.faults.describe())

    def _sim_clock(self, request, args, now) -> Response:
        if request.method == "POST":
            now = self.clock.advance(parse_duration(str(read_json(request).get("advance", ""))))
        return json_response({"now": shop_time(now, self.zone)})

    def _sim_reset(self, request, args, now) -> Response:
        self.reset()
        return json_response({"reset": True})


def create_app(
    *,
    relaxed: bool = False,
    username: str | None = None,
    password: str | None = None,
    generate_every: float | str | None = None,
    timezone: str = "Europe/Berlin",
    start: dt.datetime | None = None,
    seed: int = 1,
) -> GambioSimulator:
    """The Gambio simulator as a WSGI application.

    :param relaxed: accepted for the ``orderpilot sim`` command; Gambio's v2 API has no rate limit to relax.
    :param username, password: the administrator login the API accepts; defaults in :mod:`.errors`,
        overridable by ``ORDERPILOT_SIM_GAMBIO_USERNAME`` / ``ORDERPILOT_SIM_GAMBIO_PASSWORD``.
    :param generate_every: add a generated order every so many seconds (or a duration such as ``"30s"``);
        default from ``ORDERPILOT_SIM_GAMBIO_GENERATE_EVERY``; off when neither is set.
    :param timezone: the shop's time zone; its timestamps (``purchaseDate``, ``modified``) are local.
    :param start: freeze the clock at this instant (moved only by ``/_sim/clock``); default: real time.
    """
    return GambioSimulator(
        credentials=Credentials.resolve(username=username, password=password),
        generate_every=generate_every_from(generate_every, os.environ.get("ORDERPILOT_SIM_GAMBIO_GENERATE_EVERY")),
        timezone=timezone,
        start=start,
        seed=seed,
    )

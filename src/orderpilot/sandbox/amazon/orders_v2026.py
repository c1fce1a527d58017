"""Orders API v2026-01-01: searchOrders and getOrder, derived from the stored v0 orders (:mod:`.mapping`).

No Restricted Data Token is needed: personal data appears by ``includedData`` (BUYER, RECIPIENT),
as for an application that holds the restricted roles.
"""

from __future__ import annotations

from typing import Any

from .clock import format_timestamp
from .errors import invalid_input, not_found
from .mapping import FULFILLED_BY, INCLUDED_DATA, V0_STATUSES_BY_FULFILLMENT_STATUS, v2026_order
from .order_search import OrderFilter, date_window, search
from .pagination import first_page, next_page
from .queryparams import check_enum, query_int, query_list, query_timestamp
from .routing import Call, Reply

_NAMES = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")


def _included(call: Call) -> frozenset[str]:
    values = query_list(call.request, "includedData")
    check_enum(values, INCLUDED_DATA, "includedData")
    return frozenset(values)


def search_orders(call: Call) -> Reply:
    """``GET /orders/2026-01-01/orders``; ``paginationToken`` continues the original search."""
    request, state = call.request, call.sim.state
    included = _included(call)
    token = request.args.get("paginationToken")
    if token:
        ids, following, extra = next_page(state, token, now=call.now, kind="searchOrders")
        echo = extra.get("echo")
    else:
        statuses = query_list(request, "fulfillmentStatuses")
        check_enum(statuses, set(V0_STATUSES_BY_FULFILLMENT_STATUS), "fulfillmentStatuses")
        fulfilled_by = query_list(request, "fulfilledBy")
        check_enum(fulfilled_by, set(FULFILLED_BY.values()), "fulfilledBy")
        marketplaces = query_list(request, "marketplaceIds")
        if len(marketplaces) > 50:
            raise invalid_input("marketplaceIds accepts at most 50 values.")
        window = date_window(
            names=_NAMES,
            created_after=query_timestamp(request, "createdAfter"),
            created_before=query_timestamp(request, "createdBefore"),
            updated_after=query_timestamp(request, "lastUpdatedAfter"),
            updated_before=query_timestamp(request, "lastUpdatedBefore"),
            now=call.now,
            dates_optional=False,
        )
        v0_statuses = (
            frozenset().union(*(V0_STATUSES_BY_FULFILLMENT_STATUS[s] for s in statuses)) if statuses else None
        )
        channels = (
            frozenset(k for k, v in FULFILLED_BY.items() if v in fulfilled_by) if fulfilled_by else None
        )
        filters = OrderFilter(
            marketplace_ids=frozenset(marketplaces) or None, statuses=v0_statuses, channels=channels
        )
        size = query_int(request, "maxResultsPerPage", default=100, minimum=1, maximum=100)
        echo = (
            (window.echo_name, format_timestamp(window.before))
            if window.echo_name and window.before
            else None
        )
        ids, following = first_page(
            state,
            search(state, window, filters),
            size=size,
            now=call.now,
            kind="searchOrders",
            extra={"echo": echo},
        )
    body: dict[str, Any] = {
        "orders": [
            v2026_order(state.orders[i], included=included, now=call.now) for i in ids if i in state.orders
        ]
    }
    if following:
        body["pagination"] = {"nextToken": following}
    if echo:
        body[echo[0]] = echo[1]
    return Reply(200, body)


def get_order(call: Call) -> Reply:
    """``GET /orders/2026-01-01/orders/{orderId}`` → ``{"order": Order}``."""
    included = _included(call)
    record = call.sim.state.orders.get(call.args["orderId"])
    if record is None:
        raise not_found(f"The order {call.args['orderId']} was not found.")
    return Reply(200, {"order": v2026_order(record, included=included, now=call.now)})

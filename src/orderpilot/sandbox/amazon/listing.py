"""getReports / getFeeds: filtered, newest-first listings with a ``nextToken`` that must travel alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

from .errors import invalid_input
from .pagination import first_page, next_page
from .queryparams import check_enum, query_int, query_list, query_timestamp
from .routing import Call

PROCESSING_STATUSES = frozenset({"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"})
RETENTION = dt.timedelta(days=90)

T = TypeVar("T")


def list_page(
    call: Call,
    *,
    kind: str,
    types_param: str,
    entries: Iterable[T],
    identify: Callable[[T], str],
    describe: Callable[[T], tuple[str, str, list[str], dt.datetime]],
) -> tuple[list[str], str | None]:
    """One page of ids. ``describe`` gives (type, status, marketplace ids, created time) of an entry."""
    request, state = call.request, call.sim.state
    token = request.args.get("nextToken")
    if token:
        if any(name != "nextToken" for name in request.args):
            # "include this token as the only parameter" (Reports/Feeds models); research §11.7.
            raise invalid_input("nextToken must be the only parameter when it is specified.")
        ids, following, _ = next_page(state, token, now=call.now, kind=kind)
        return ids, following
    types = query_list(request, types_param)
    if not 1 <= len(types) <= 10:
        raise invalid_input(f"{types_param} is required (1 to 10 values) unless nextToken is given.")
    statuses = query_list(request, "processingStatuses")
    check_enum(statuses, PROCESSING_STATUSES, "processingStatuses")
    marketplaces = query_list(request, "marketplaceIds")
    if len(marketplaces) > 10:
        raise invalid_input("marketplaceIds accepts at most 10 values.")
    size = query_int(request, "pageSize", default=10, minimum=1, maximum=100)
    since = query_timestamp(request, "createdSince") or call.now - RETENTION
    until = query_timestamp(request, "createdUntil") or call.now
    chosen = []
    for entry in entries:
        entry_type, status, entry_marketplaces, created = describe(entry)
        if entry_type not in types or (statuses and status not in statuses):
            continue
        if marketplaces and not set(marketplaces) & set(entry_marketplaces):
            continue
        if since <= created <= until and created >= call.now - RETENTION:
            chosen.append((created, identify(entry)))
    chosen.sort(reverse=True)
    return first_page(state, [i for _, i in chosen], size=size, now=call.now, kind=kind)

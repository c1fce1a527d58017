"""Opaque, server-side page tokens (``NextToken``, ``paginationToken``, ``nextToken``).

A token freezes the list of matching ids when the first page is served, so later pages are stable
while orders change. Tokens are standard base64 and so may contain ``+``, ``/`` and ``=``: a client
that double- or under-encodes them gets Amazon's "could not decode your NextToken" (400). Tokens
expire after 24 hours of simulator time, as the v2026 migration guide states for ``paginationToken``.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from .errors import BAD_NEXT_TOKEN, invalid_input
from .state import PageCursor, SimState

TOKEN_LIFETIME = dt.timedelta(hours=24)


def first_page(
    state: SimState,
    ids: list[str],
    *,
    size: int,
    now: dt.datetime,
    kind: str,
    extra: dict[str, Any] | None = None,
) -> tuple[list[str], str | None]:
    """The first ``size`` ids and, if more remain, a token for the rest."""
    # Tokens a client never followed would pile up in a long demo run; drop the expired ones here.
    for stale in [t for t, c in state.cursors.items() if now > c.created + TOKEN_LIFETIME]:
        del state.cursors[stale]
    if len(ids) <= size:
        return ids, None
    token = base64.b64encode(secrets.token_bytes(31)).decode()
    state.cursors[token] = PageCursor(
        ids=ids, offset=size, created=now, extra={"kind": kind, "size": size, **(extra or {})}
    )
    return ids[:size], token


def next_page(
    state: SimState, token: str, *, now: dt.datetime, kind: str
) -> tuple[list[str], str | None, dict[str, Any]]:
    """The page a token points to, the token for the page after it (or ``None``), and the query extras."""
    cursor = state.cursors.get(token)
    if cursor is None or cursor.extra.get("kind") != kind:
        raise invalid_input(BAD_NEXT_TOKEN)
    if now > cursor.created + TOKEN_LIFETIME:
        del state.cursors[token]
        raise invalid_input(
            "The pagination token has expired.", "Tokens are valid for 24 hours; search again."
        )
    size = cursor.extra["size"]
    page = cursor.ids[cursor.offset : cursor.offset + size]
    del state.cursors[token]
    remaining = cursor.ids[cursor.offset + size :]
    following = None
    if remaining:
        following = base64.b64encode(secrets.token_bytes(31)).decode()
        state.cursors[following] = PageCursor(
            ids=cursor.ids, offset=cursor.offset + size, created=cursor.created, extra=cursor.extra
        )
    return page, following, cursor.extra

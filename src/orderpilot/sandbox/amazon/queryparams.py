"""Query-string parsing with SP-API's conventions: arrays as comma-separated values (or repeated)."""

from __future__ import annotations

import datetime as dt

from werkzeug.wrappers import Request

from .clock import parse_query_timestamp
from .errors import invalid_input


def query_list(request: Request, name: str) -> list[str]:
    values: list[str] = []
    for raw in request.args.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def query_int(request: Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_input(f"Invalid value for {name}.", f"{name} must be an integer.") from None
    if not minimum <= value <= maximum:
        raise invalid_input(f"Invalid value for {name}.", f"{name} must be between {minimum} and {maximum}.")
    return value


def query_timestamp(request: Request, name: str) -> dt.datetime | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_query_timestamp(raw)
    except ValueError:
        # The wording users report for offsets and spaces (docs#598, docs#3324).
        raise invalid_input(
            f"Invalid date/time field [{name}]",
            f"{name} timestamp must follow ISO8601, in UTC with Z: {raw!r}",
        ) from None


def check_enum(values: list[str], allowed: frozenset[str] | set[str], name: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise invalid_input(
            f"Invalid value for {name}.", f"{', '.join(unknown)} is not one of {sorted(allowed)}"
        )

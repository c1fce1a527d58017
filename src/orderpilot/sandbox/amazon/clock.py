"""The simulator's clock and the timestamp formats SP-API speaks."""

from __future__ import annotations

import datetime as dt
import re
import threading

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(w|d|h|m|s)")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# SP-API rejects offsets such as +00:00 ("timestamp must follow ISO8601"), and a raw "+" in a query
# string arrives as a space; only UTC with "Z" (or a bare date) is accepted in query parameters.
_QUERY_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z)?$")


class SimClock:
    """Now, as the simulator sees it: a base time plus an offset that only moves forward.

    With ``start=None`` the base is the real UTC time (the CLI); with a ``start`` the clock is frozen
    at that instant and moves only by :meth:`advance`, which makes rate-limit and window tests exact.
    """

    def __init__(self, start: dt.datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self._offset = dt.timedelta()
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        base = self._start if self._start is not None else dt.datetime.now(dt.UTC)
        with self._lock:
            return base + self._offset

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock forward by ``delta`` (must not be negative); return the new now."""
        if delta < dt.timedelta():
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = dt.timedelta()


def parse_duration(text: str) -> dt.timedelta:
    """``"6d"``, ``"30m"``, ``"2h"``, ``"90s"``, ``"1w"`` or combinations such as ``"1d12h"``."""
    text = (text or "").strip()
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 2h, 6d)")
    return dt.timedelta(seconds=total)


def format_timestamp(moment: dt.datetime) -> str:
    """UTC, whole seconds, ``Z`` suffix: the form SP-API returns and recommends sending."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> dt.datetime:
    """Any ISO-8601 timestamp as stored in an order (``...Z``, ``...+00:00``, fractions); naive means UTC."""
    value = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_query_timestamp(text: str) -> dt.datetime:
    """A timestamp from a query parameter; raises ``ValueError`` unless it is UTC with ``Z`` or a date."""
    if not _QUERY_TIMESTAMP.match(text or ""):
        raise ValueError(text)
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    return parse_timestamp(text)

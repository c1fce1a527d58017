"""Pieces every channel simulator needs for its ``/_sim/`` control (CONTRACT.md §4): a clock that tests
can move forward, injected faults, lazy order generation and a tiny JSON router on werkzeug.

Generic on purpose: the eBay and the Gambio simulator both use it. Nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(w|d|h|m|s)")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


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


class SimClock:
    """Now, as the simulator sees it: the real UTC time (or a fixed ``start``) plus an offset that only
    moves forward, so tests can let days pass without waiting."""

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
        if delta < dt.timedelta():
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = dt.timedelta()


@dataclass
class Faults:
    """Injected failures: ``rate`` of the calls to ``operations`` (all API operations when empty) are
    answered with ``status`` instead of being served; ``count`` fails exactly the next so many matching
    calls instead (deterministic tests), after letting ``after`` matching calls pass. ``{"rate": 0}``
    switches faults off."""

    status: int = 500
    rate: float = 0.0
    count: int = 0
    after: int = 0
    operations: frozenset[str] = frozenset()
    rng: random.Random = field(default_factory=lambda: random.Random(7))  # noqa: S311 - not security

    def configure(self, body: dict[str, Any]) -> None:
        rate = float(body.get("rate", 0.0))
        count = int(body.get("count", 0))
        after = int(body.get("after", 0))
        status = int(body.get("status", 500))
        if not 0.0 <= rate <= 1.0 or count < 0 or after < 0:
            raise ValueError("rate must be between 0.0 and 1.0, count and after whole numbers of calls")
        if status not in (404, 429, 500, 502, 503, 504):
            raise ValueError("status must be one of 404 (the record vanished), 429, 500, 502, 503, 504")
        operations = body.get("operations") or []
        if not isinstance(operations, list) or not all(isinstance(o, str) for o in operations):
            raise ValueError("operations must be a list of operation names")
        self.rate, self.count, self.after, self.status = rate, count, after, status
        self.operations = frozenset(operations)

    def hits(self, operation: str) -> int | None:
        """The status to answer ``operation`` with now, or ``None`` to serve it."""
        if self.operations and operation not in self.operations:
            return None
        if self.after > 0:
            self.after -= 1
            return None
        if self.count > 0:
            self.count -= 1
            return self.status
        if self.rate > 0.0 and self.rng.random() < self.rate:
            return self.status
        return None

    def describe(self) -> dict[str, Any]:
        return {"status": self.status, "rate": self.rate, "count": self.count, "after": self.after,
                "operations": sorted(self.operations)}  # fmt: skip


class LazyGenerator:
    """Adds generated orders on every request for each ``every`` that passed on the simulator clock,
    so generation needs no background thread and follows ``/_sim/clock`` moves (at most ``cap`` at once)."""

    def __init__(self, every: dt.timedelta | None, make: Callable[[dt.datetime], None], *, cap: int = 50):
        self.every = every if every and every > dt.timedelta() else None
        self._make = make
        self._cap = cap
        self._last: dt.datetime | None = None

    def catch_up(self, now: dt.datetime) -> int:
        if self.every is None:
            return 0
        if self._last is None:
            self._last = now
            return 0
        due = min(int((now - self._last) / self.every), self._cap)
        for n in range(due):
            self._make(self._last + self.every * (n + 1))
        if due:
            self._last = now
        return due

    def reset(self) -> None:
        self._last = None


def generate_every_from(value: float | str | None, env_value: str | None) -> dt.timedelta | None:
    """The generation interval from a ``create_app`` argument (seconds or a duration) or, failing that,
    the environment variable's value; ``None`` switches generation off."""
    raw = value if value not in (None, "") else env_value
    if raw in (None, ""):
        return None
    if isinstance(raw, int | float):
        return dt.timedelta(seconds=float(raw))
    text = str(raw).strip()
    return dt.timedelta(seconds=float(text)) if re.fullmatch(r"\d+(\.\d+)?", text) else parse_duration(text)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    payload = b"" if body is None else json.dumps(body, indent=2, ensure_ascii=False).encode()
    response = Response(payload, status=status, headers=headers or {})
    if body is not None:
        response.content_type = "application/json"
    return response


def read_json(request: Request) -> Any:
    """The request body as JSON; raises ``ValueError`` with a readable message."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ValueError("the request body is empty")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the request body is not valid JSON: {exc}") from exc


@dataclass(frozen=True)
class Route:
    rule: str
    methods: tuple[str, ...]
    endpoint: str


class Router:
    """werkzeug's URL map around named handlers; ``match`` returns ``(endpoint, arguments)`` or raises
    ``NotFound`` / ``MethodNotAllowed`` (both ``HTTPException``)."""

    def __init__(self, routes: Iterable[Route]):
        self._map = Map([Rule(r.rule, methods=list(r.methods), endpoint=r.endpoint) for r in routes])

    def match(self, request: Request) -> tuple[str, dict[str, Any]]:
        adapter = self._map.bind_to_environ(request.environ)
        return adapter.match()


@contextmanager
def serving(app: Callable, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the WSGI ``app`` on a free port in a background thread (tests, the demo); yields its base URL."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=f"sim-{server.port}", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


__all__ = [
    "Faults",
    "HTTPException",
    "LazyGenerator",
    "MethodNotAllowed",
    "NotFound",
    "Route",
    "Router",
    "SimClock",
    "generate_every_from",
    "json_response",
    "parse_duration",
    "read_json",
    "serving",
]

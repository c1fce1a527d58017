"""Configuration read once per job run, not once per order.

A job run (one batch of the engine, of the outbox, …) reads the same configuration for every
order it handles: hold rules, shippers and their stock, products, company and invoicing settings,
email templates. Inside :func:`job_run` such reads go through :func:`per_run` and hit the database
once; the memo belongs to the run and is dropped when the run ends, so the next run sees whatever
``orderpilot config apply`` (or the cockpit) changed meanwhile. Outside a run (the cockpit, the
API, a management command) nothing is memoised and every call reads the database, as before.

Only configuration belongs here, never the state a step changes (orders, shipments, counters):
a step's savepoint may be rolled back, and the memo would not be.
Context vars follow the work: a run in one worker thread or task never sees another's memo.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_current: ContextVar[dict[Hashable, Any] | None] = ContextVar("orderpilot_run_cache", default=None)


@contextmanager
def job_run() -> Iterator[None]:
    """Memoise configuration reads inside the block (a nested block shares the outer run's memo)."""
    if _current.get() is not None:
        yield
        return
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def in_job_run() -> bool:
    return _current.get() is not None


def per_run(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per job run for ``key``; outside a run, every time."""
    memo = _current.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def run_memo(name: str) -> dict[Hashable, Any] | None:
    """A dict of this run's for memos filled piece by piece (e.g. products by SKU); ``None`` outside a run."""
    memo = _current.get()
    if memo is None:
        return None
    return memo.setdefault(("memo", name), {})


def forget_run_cache() -> None:
    """Configuration was written during this run: what the run memoised is stale, read it again."""
    memo = _current.get()
    if memo is not None:
        memo.clear()

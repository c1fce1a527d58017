"""What the current work is about (order, channel, outbox message, job), on every log line.

The engine, the outbox and the importer set the context around the work they do for one order; the
``AddLogContext`` filter copies it onto each record, so a JSON log line carries ``order_id`` (and
the rest) as fields one can search for, and a plain line ends with ``[order_id=… channel=…]``.
Context vars follow the work: a value set in one worker thread or task never leaks into another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

#: the fields a log line may carry, in the order the plain format shows them
FIELDS = ("job", "channel", "order_id", "external_id", "outbox_id", "outbox_kind")

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_current: ContextVar[Mapping[str, Any]] = ContextVar("orderpilot_log_context", default=_EMPTY)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (one of ``FIELDS``) to every log line written inside the block."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log context fields: {sorted(unknown)}")
    added = {k: v for k, v in fields.items() if v not in (None, "")}
    token = _current.set(MappingProxyType({**_current.get(), **added}))
    try:
        yield
    finally:
        _current.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_current.get())


class AddLogContext(logging.Filter):
    """Attach to a handler: copies the current context onto the record, and a ``context`` text."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        for name in FIELDS:
            if name in context and not hasattr(record, name):
                setattr(record, name, context[name])
        shown = [f"{name}={getattr(record, name)}" for name in FIELDS if hasattr(record, name)]
        record.context = f" [{' '.join(shown)}]" if shown else ""
        return True

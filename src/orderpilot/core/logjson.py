"""One JSON object per log line (``ORDERPILOT_LOG_FORMAT=json``), for log collectors.

Fields: ``timestamp`` (UTC, ISO 8601), ``levelname``, ``name``, ``message``, the work's context
(``order_id``, ``channel``, ``outbox_id``, … from ``core.logcontext``) and ``exc_info``. Every text
value is masked like the plain lines (``core.logredact``), tracebacks included: the formatter
renders them itself, past the filter that masks the plain text.
"""

from __future__ import annotations

from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from .logredact import redact


class JsonLogFormatter(JsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        # ``context`` is the plain format's text version of fields the JSON line has anyway
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "context"])
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_record: dict[str, Any]) -> dict[str, Any]:
        return {key: redact(value) if isinstance(value, str) else value for key, value in log_record.items()}

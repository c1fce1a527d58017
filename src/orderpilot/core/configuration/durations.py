"""Durations written as ``30s``, ``5m``, ``24h``, ``7d`` (or combined: ``1h30m``)."""

from __future__ import annotations

import re

_PART = re.compile(r"([0-9]+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: ten years: longer is a typo, and would not fit the database's integer columns
MAX_SECONDS = 3650 * 86400


def parse_duration(text: str | int) -> int:
    """Seconds in ``text``; a bare integer is seconds. Raises ``ValueError`` naming the problem."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValueError(f"{text!r} is not a duration like '30s', '5m', '24h' or '7d'")
    if isinstance(text, int):
        seconds = text
    else:
        compact = text.strip().lower().replace(" ", "")
        if compact.isascii() and compact.isdigit():
            if len(compact) > 12:
                raise ValueError(f"{text[:40]!r} is longer than ten years")
            seconds = int(compact)
        else:
            parts = _PART.findall(compact)
            if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
                raise ValueError(f"{text[:40]!r} is not a duration like '30s', '5m', '24h' or '7d'")
            if any(len(number) > 12 for number, _ in parts):
                raise ValueError(f"{text[:40]!r} is longer than ten years")
            seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{str(text)[:40]!r} is longer than ten years")
    return seconds


def format_duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"

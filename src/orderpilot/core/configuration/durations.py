"""Durations written as ``30s``, ``5m``, ``24h``, ``7d`` (or combined: ``1h30m``)."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int) -> int:
    """Seconds in ``text``; a bare integer is seconds. Raises ``ValueError`` naming the problem."""
    if isinstance(text, int):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return text
    compact = text.strip().lower().replace(" ", "")
    if compact.isdigit():
        return int(compact)
    parts = _PART.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration like '30s', '5m', '24h' or '7d'")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def format_duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"

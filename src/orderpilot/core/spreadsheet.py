"""Cells written to CSV files that people open in spreadsheets."""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> str:
    """Return ``value`` as text that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


#: a signed amount as spreadsheets read it (``-5,05``, ``+1.234,56``, ``-1e5``): digits and separators
#: only. ``float()`` also takes ``-inf``, ``-nan`` and ``-1_000``, which a spreadsheet runs as formulas.
_NUMBER = re.compile(r"[+-]?(?:[0-9][0-9.,]*|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text))

"""Gap-free numbers for delivery notes and invoices, assigned at issue time."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from .models import NumberSeries


def next_number(series: str, *, pattern: str, at: dt.datetime) -> str:
    """Take the next number of ``series`` and format it with ``pattern``.

    ``pattern`` may use ``{year}`` (then each year counts from 1 again) and ``{seq}`` with a format
    spec, e.g. ``RE-{year}-{seq:06}``. Must run inside the transaction that stores the numbered
    document: the counter row stays locked until it commits, and a rollback returns the number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that stores the document")
    code = f"{series}:{at.year}" if "{year}" in pattern else series
    NumberSeries.objects.get_or_create(code=code)
    # UPDATE … SET last_value = last_value + 1 takes the row lock before reading the value.
    NumberSeries.objects.filter(code=code).update(last_value=F("last_value") + 1)
    value = NumberSeries.objects.get(code=code).last_value
    return pattern.format(year=at.year, seq=value)

"""Gap-free numbers for delivery notes and invoices, assigned at issue time."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
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
    value = _increment(code)
    if value is None:  # the first number of this series (or of this year): create its counter row
        NumberSeries.objects.get_or_create(code=code)
        value = _increment(code)
    return pattern.format(year=at.year, seq=value)


def _increment(code: str) -> int | None:
    """Add one to counter ``code`` and return the new value (``None`` if the row does not exist).

    The UPDATE takes the row lock before it reads the value, so two transactions never get the
    same number; with ``RETURNING`` (PostgreSQL, SQLite ≥ 3.35) it is one statement.
    """
    if not _update_returning():
        if not NumberSeries.objects.filter(code=code).update(last_value=F("last_value") + 1):
            return None
        return NumberSeries.objects.get(code=code).last_value
    quote = connection.ops.quote_name
    table, value, key = quote(NumberSeries._meta.db_table), quote("last_value"), quote("code")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {value} = {value} + 1 WHERE {key} = %s RETURNING {value}", [code])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _update_returning() -> bool:
    """Whether the database has ``UPDATE … RETURNING``: PostgreSQL, and SQLite from 3.35 (the
    version from which Django uses ``RETURNING`` on its inserts too)."""
    return connection.vendor == "postgresql" or (
        connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert
    )

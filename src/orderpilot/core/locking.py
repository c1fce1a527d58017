"""Row locking that works the same on PostgreSQL and SQLite.

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` so that concurrent workers each take different rows.
SQLite has no row locks; there the IMMEDIATE transaction mode (settings) serialises writers on the
database lock, which gives the same guarantee at a coarser grain.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Model, QuerySet


def lock_due(queryset: QuerySet, *, limit: int) -> list:
    """Lock and return up to ``limit`` rows of ``queryset``, skipping rows another worker holds.

    Must run inside a transaction; the locks last until it ends.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_due() must run inside transaction.atomic()")
    skip = connection.features.has_select_for_update_skip_locked
    return list(queryset.select_for_update(skip_locked=skip, of=("self",))[:limit])


def lock_for_update(instance: Model) -> Model:
    """Re-read ``instance`` under its row lock (waits for a holder) and return the fresh copy."""
    return lock_row(type(instance), pk=instance.pk)


def lock_row(model: type[Model], *, related: tuple[str, ...] = (), **lookup) -> Model:
    """Read the row of ``model`` matching ``lookup`` under its row lock (waits for a holder).

    ``related`` names foreign keys read along in the same statement (not locked), so that a
    caller who only has an id, or needs the row's shipper or channel too, pays one query.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("row locks (lock_for_update, lock_row) must be taken inside transaction.atomic()")
    rows = model._default_manager.select_for_update(of=("self",))
    if related:
        rows = rows.select_related(*related)
    return rows.get(**lookup)

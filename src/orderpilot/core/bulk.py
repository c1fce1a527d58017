"""Inserting many rows at once: ``COPY`` on PostgreSQL, ``bulk_create`` on other databases.

A settlement brings hundreds of thousands of lines and tens of thousands of payments, timeline
entries and matches. ``bulk_create`` spends most of its time building a model instance per row
and compiling SQL; on PostgreSQL, ``COPY`` takes the values as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models

BATCH = 5000


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows``, each the values of ``fields`` (attribute names: ``order_id``) in that order.

    The values are what the model would be given (aware datetimes, decimals, dicts for JSON). Name
    every field without a database default: on PostgreSQL the others get the column's default,
    not the model's (a ``default=`` or ``auto_now_add`` is not applied). A violated constraint
    raises :class:`django.db.IntegrityError`, as ``bulk_create`` does. Must run in a transaction.
    """
    if connection.vendor == "postgresql":
        with copy_rows(model, fields) as write:
            for row in rows:
                write(row)
    else:
        model._default_manager.bulk_create(
            (model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=BATCH
        )


@contextmanager
def copy_rows(model: type[models.Model], fields: Sequence[str]) -> Iterator[Callable[[Sequence], None]]:
    """PostgreSQL: ``COPY`` into ``model``'s table while the block runs; yields ``write(row)``.

    The server stores the rows as they arrive, so work done inside the block (not with the
    database: the connection is busy) overlaps with it. See :func:`insert_rows` for the rows.
    """
    columns = [model._meta.get_field(name) for name in fields]
    # values psycopg would not take as they are get what the ORM sends: JSON wrapped, naive
    # datetimes made aware (with Django's warning)
    json = [position for position, field in enumerate(columns) if isinstance(field, models.JSONField)]
    moments = [position for position, field in enumerate(columns) if isinstance(field, models.DateTimeField)]
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(field.column) for field in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # the binary format is the cheapest to write; it needs the columns' exact types
        cursor.execute(f"SELECT {names} FROM {table} LIMIT 0")  # noqa: S608 - names from the model
        types = [column.type_code for column in cursor.description]
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            yield _writer(copy.write_row, columns, json, moments)


def _writer(
    write_row: Callable[[Sequence], None], columns: list, json: list[int], moments: list[int]
) -> Callable[[Sequence], None]:
    """``write_row`` that first converts the values psycopg would not take as they are."""

    def write(row: Sequence) -> None:
        for position in moments:
            if row[position] is not None and row[position].tzinfo is None:
                break
        else:
            if not json:
                write_row(row)
                return
        row = list(row)
        for position in json:
            row[position] = connection.ops.adapt_json_value(row[position], columns[position].encoder)
        for position in moments:
            if row[position] is not None and row[position].tzinfo is None:
                row[position] = columns[position].get_db_prep_save(row[position], connection)
        write_row(row)

    return write

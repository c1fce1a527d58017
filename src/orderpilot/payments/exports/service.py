"""``export_accounting``: write a DATEV or CSV file of a period and log what went into it."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ..models import AccountingExport, ExportedDocument, ExportFormat
from ..settings import accounting_settings
from .bookings import collect_bookings
from .datev import write_datev
from .plain_csv import write_csv


def export_accounting(
    fmt: str, *, date_from: dt.date, date_to: dt.date, path: Path, again: bool = False
) -> AccountingExport:
    """Write the bookings of documents dated ``date_from``..``date_to`` to ``path``.

    Documents already exported in this format are left out unless ``again``; every run is logged
    with the documents it contained. The file is written first (atomically: a temporary file
    renamed into place), then the log: should logging fail, the documents count as not exported
    and come again next time, rather than being lost.
    """
    if fmt not in ExportFormat.values:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(ExportFormat.values)}")
    if date_to < date_from:
        raise ValueError("--to is before --from")
    settings = accounting_settings()
    bookings = collect_bookings(settings, fmt=fmt, date_from=date_from, date_to=date_to, again=again)
    if fmt == ExportFormat.DATEV:
        content = write_datev(
            bookings, settings, date_from=date_from, date_to=date_to, created=timezone.localtime()
        )
    else:
        content = write_csv(bookings)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
    with transaction.atomic():
        export = AccountingExport.objects.create(
            format=fmt,
            date_from=date_from,
            date_to=date_to,
            again=again,
            filename=str(path.resolve()),
            sha256=hashlib.sha256(content).hexdigest(),
            bookings=len(bookings),
        )
        documents = sorted({(b.document_type, b.document_key) for b in bookings})
        ExportedDocument.objects.bulk_create(
            ExportedDocument(export=export, format=fmt, document_type=kind, document_key=key)
            for kind, key in documents
        )
    return export

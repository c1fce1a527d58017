"""``orderpilot export accounting --format datev|csv --from DATE --to DATE -o FILE [--again]``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orderpilot.core.exceptions import ConfigurationError
from orderpilot.payments.exports.service import export_accounting


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Exports: 'export accounting' writes invoices, credit notes, payments and fees for the accountant."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        accounting = sub.add_parser("accounting", help="DATEV EXTF Buchungsstapel or plain CSV")
        accounting.add_argument("--format", dest="fmt", choices=["datev", "csv"], required=True)
        accounting.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        accounting.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
        accounting.add_argument("-o", "--output", dest="output", required=True, type=Path)
        accounting.add_argument(
            "--again", action="store_true", help="include documents that an earlier export already contained"
        )

    def handle(
        self, *args, what: str, fmt: str, date_from: str, date_to: str, output: Path, again: bool, **options
    ):
        try:
            export = export_accounting(
                fmt, date_from=_date(date_from), date_to=_date(date_to), path=output, again=again
            )
        except (ConfigurationError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        documents = export.documents.count()
        self.stdout.write(
            f"{export.format}: {export.bookings} booking(s) from {documents} document(s) "
            f"{export.date_from}..{export.date_to} → {output}"
        )

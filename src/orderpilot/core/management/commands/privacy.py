"""``orderpilot privacy report|export|erase|anonymise``: the buyers' personal data.

- ``report``: how many customers and orders hold personal data, the oldest, the next anonymisation;
- ``export --email E -o FILE`` (or ``--customer ID``): everything stored about a buyer, as JSON;
- ``erase --email E`` (or ``--customer ID``) ``[--dry-run]``: anonymise now, keep the invoices;
- ``anonymise``: run the retention job now (it also runs on every tick).
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orderpilot.core.actors import Actor
from orderpilot.customers.privacy import (
    ErasureRefused,
    anonymise_expired_personal_data,
    customers_for,
    erase_personal_data,
    export_personal_data,
    personal_data_report,
    write_export,
)


def _who(options) -> dict:
    if options.get("customer") is not None:
        return {"customer_id": options["customer"]}
    if options.get("email"):
        return {"email": options["email"]}
    raise CommandError("name the buyer: --email E or --customer ID")


class Command(BaseCommand):
    help = "Personal data: report what is stored, export one buyer's data, erase it on request."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="what personal data is stored and when it is anonymised")
        report.add_argument("--json", action="store_true", help="print the figures as JSON")
        for name, text in (("export", "write everything stored about a buyer to a JSON file"),
                           ("erase", "anonymise a buyer's data now (invoices are kept)")):
            command = sub.add_parser(name, help=text)
            command.add_argument("--email", help="the buyer's email address (every customer with it)")
            command.add_argument("--customer", type=int, help="a customer id")
            if name == "export":
                command.add_argument("-o", "--output", type=Path, required=True)
            else:
                command.add_argument("--dry-run", action="store_true", help="only list what would be erased")
        sub.add_parser("anonymise", help="anonymise every order past its retention period now")

    def handle(self, *args, action: str, **options):
        return getattr(self, f"_{action}")(options)

    def _report(self, options):
        report = personal_data_report()
        if options["json"]:
            self.stdout.write(json.dumps(report, default=str, indent=2))
            return
        local = timezone.localtime

        def when(value):
            return local(value).strftime("%Y-%m-%d %H:%M") if value else "-"

        self.stdout.write(f"retention: {report['retention_days']} day(s) after an order is completed or cancelled")
        self.stdout.write(
            f"customers with personal data: {report['customers_with_personal_data']} "
            f"(anonymised: {report['customers_anonymised']})"
        )
        self.stdout.write(
            f"orders with personal data: {report['orders_with_personal_data']}, of them open: {report['orders_open']} "
            f"(anonymised: {report['orders_anonymised']})"
        )
        self.stdout.write(f"oldest personal data: {when(report['oldest_personal_data'])}")
        due = f" ({report['due_now']} due now)" if report["due_now"] else ""
        self.stdout.write(f"next anonymisation: {when(report['next_anonymisation'])}{due}")
        self.stdout.write(
            f"invoices keeping the buyer's data as tax law requires: {report['invoices_keeping_buyer_data']}"
        )

    def _find(self, options):
        try:
            customers = customers_for(**_who(options))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not customers:
            raise CommandError("no customer found")
        return customers

    def _export(self, options):
        customers = self._find(options)
        write_export(export_personal_data(customers), options["output"])
        orders = sum(c.orders.count() for c in customers)
        self.stdout.write(f"{len(customers)} customer(s), {orders} order(s) → {options['output']}")

    def _erase(self, options):
        customers = self._find(options)
        actor = Actor(f"privacy-request:{getpass.getuser()}")
        try:
            erasure = erase_personal_data(customers, actor=actor, dry_run=options["dry_run"])
        except ErasureRefused as exc:
            raise CommandError(f"nothing erased: {exc}") from None
        verb = "would anonymise" if options["dry_run"] else "anonymised"
        self.stdout.write(
            f"{verb} {len(erasure.customers)} customer(s) and {len(erasure.orders)} order(s); "
            f"{erasure.invoices_kept} invoice(s) keep the buyer's data as tax law requires"
        )
        for order in erasure.orders:
            self.stdout.write(f"  {order}")

    def _anonymise(self, options):
        total = 0
        for _ in range(10_000):  # batch after batch until nothing is due
            done = anonymise_expired_personal_data()
            total += done
            if not done:
                break
        self.stdout.write(f"anonymised: {total}")

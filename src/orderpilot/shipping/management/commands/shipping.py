from django.core.management.base import BaseCommand, CommandError

from orderpilot.shipping.dryrun import dry_run_selection


class Command(BaseCommand):
    help = "Shipping tools. dry-run: which shipper would the last N orders get under today's rules?"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        dry = sub.add_parser("dry-run", help="show today's shipper choice for recent orders (changes nothing)")
        dry.add_argument("--last", type=int, default=20, help="how many of the most recent orders (default 20)")

    def handle(self, *args, action: str, **options):
        if action != "dry-run":
            raise CommandError(f"unknown action {action!r}")
        if options["last"] < 1:
            raise CommandError("--last must be at least 1")
        rows = dry_run_selection(last=options["last"])
        width = max([len("order"), *(len(r.order) for r in rows)])
        self.stdout.write(f"{'order':<{width}}  {'current':<16}  {'new':<17} why")
        for row in rows:
            new = (row.new or "(none)") + ("*" if row.changed and row.current else "")
            self.stdout.write(f"{row.order:<{width}}  {row.current or '-':<16}  {new:<17} {row.reasons}")
        changed = sum(1 for r in rows if r.changed and r.current)
        self.stdout.write(f"{len(rows)} order(s); {changed} would go to another shipper today (*)")

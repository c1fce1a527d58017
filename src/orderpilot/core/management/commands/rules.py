from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orderpilot.core.configuration.apply import load_config_file
from orderpilot.core.configuration.schema import ConfigError
from orderpilot.orders.holds import Rule
from orderpilot.orders.selectors import orders_held_by
from orderpilot.orders.steps import active_rules


class Command(BaseCommand):
    help = "Hold rules: 'rules dry-run [--file F.toml] [--last N]' shows which past orders they would hold."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        dry = sub.add_parser("dry-run", help="evaluate rules against past orders without changing anything")
        dry.add_argument("--file", type=Path, help="rules from this TOML file instead of the active ones")
        dry.add_argument("--last", type=int, default=100, help="how many of the newest orders (default 100)")

    def handle(self, *args, action: str, file: Path | None, last: int, **options):
        if file:
            try:
                config = load_config_file(file)
            except ConfigError as exc:
                raise CommandError("\n".join(f"{path}: {message}" for path, message in exc.problems)) from None
            rules = [Rule(r.code, r.when, r.params, tuple(r.channels)) for r in config.hold_rules if r.active]
        else:
            rules = active_rules()
        held = orders_held_by(rules, last=last)
        for order, firings in held:
            reasons = "; ".join(f"{f.rule} ({f.describe()})" for f in firings)
            self.stdout.write(f"{order.channel.code} {order.external_id}: {reasons}")
        self.stdout.write(f"{len(held)} of the last {last} order(s) would be held")

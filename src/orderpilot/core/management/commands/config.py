from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orderpilot.core.configuration.apply import apply_config_file
from orderpilot.core.configuration.schema import ConfigError


class Command(BaseCommand):
    help = "Configuration: 'config apply FILE.toml' creates or updates channels, shippers, rules …"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser("apply", help="apply a TOML file, all or nothing")
        apply.add_argument("file", type=Path)

    def handle(self, *args, action: str, file: Path, **options):
        try:
            report = apply_config_file(file)
        except ConfigError as exc:
            lines = [f"  {path}: {message}" for path, message in exc.problems]
            raise CommandError(f"{file}: configuration not applied, nothing changed:\n" + "\n".join(lines)) from None
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        for change in report.changes:
            self.stdout.write(change)
        self.stdout.write(f"{len(report.changes)} change(s)" if report.changed else "no changes")

from django.core.management.base import BaseCommand

from orderpilot.core.jobs import run_due_work


class Command(BaseCommand):
    help = "Run every due step once, synchronously (with --until-idle: until nothing is due)."

    def add_arguments(self, parser):
        parser.add_argument("--until-idle", action="store_true", help="repeat until no job finds work")

    def handle(self, *args, until_idle: bool = False, **options):
        totals = run_due_work(until_idle=until_idle)
        rounds = totals.pop("rounds")
        summary = " ".join(f"{name}={count}" for name, count in totals.items())
        self.stdout.write(f"tick: {rounds} round(s), {summary}")

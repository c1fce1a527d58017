from django.core.management.base import BaseCommand, CommandError

from orderpilot.core.registry import resolve
from orderpilot.sandbox.registry import SIMULATORS


class Command(BaseCommand):
    help = "Run a simulator (amazon, ebay, gambio, shipper) in the foreground, for tests and the demo."

    def add_arguments(self, parser):
        parser.add_argument("name", help="which simulator: " + ", ".join(sorted(SIMULATORS)) or "(none installed)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument(
            "--relaxed", action="store_true", help="do not enforce the published rate limits (benchmarks)"
        )

    def handle(self, *args, name: str, host: str, port: int, relaxed: bool, **options):
        from werkzeug.serving import run_simple

        if name not in SIMULATORS:
            raise CommandError(f"no simulator {name!r}; available: {', '.join(sorted(SIMULATORS)) or 'none'}")
        app = resolve(SIMULATORS[name])(relaxed=relaxed)
        self.stdout.write(f"{name} simulator on http://{host}:{port}/")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

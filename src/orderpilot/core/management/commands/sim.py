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
        parser.add_argument(
            "-o",
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a simulator's own option, repeatable (shipper: ftp_port, smtp_port, confirm_delay, drop_rate, "
            "return_webhook, return_token_env, return_ftp …)",
        )

    def handle(self, *args, name: str, host: str, port: int, relaxed: bool, option: list[str], **options):
        from werkzeug.serving import run_simple

        if name not in SIMULATORS:
            raise CommandError(f"no simulator {name!r}; available: {', '.join(sorted(SIMULATORS)) or 'none'}")
        extra = {}
        for item in option:
            key, sep, value = item.partition("=")
            if not sep or not key.isidentifier():
                raise CommandError(f"--option takes KEY=VALUE, got {item!r}")
            extra[key] = value
        app = resolve(SIMULATORS[name])(relaxed=relaxed, **extra)
        self.stdout.write(f"{name} simulator on http://{host}:{port}/")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

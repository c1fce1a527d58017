"""The ``orderpilot`` command: run the service (all roles, or one), and Django's commands.

``run`` starts the web server (gunicorn), a Celery worker and the scheduler (Celery beat) as child
processes and stops them all on Ctrl-C or SIGTERM. Any other word is a management command
(``tick``, ``config``, ``sim``, ``export``, ``migrate``, ``createsuperuser`` …).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

SETTINGS = "orderpilot.settings.base"
STOP_GRACE_SECONDS = 20


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    command = argv[0] if argv else "help"
    if command == "run":
        return run(argv[1:])
    if command in {"web", "worker", "scheduler"}:
        return run_role(command, argv[1:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["orderpilot", *argv])
    return 0


def _role_command(
    role: str, *, host: str = "127.0.0.1", port: int = 8000, extra: list[str] | None = None
) -> list[str]:
    python = sys.executable
    if role == "web":
        return [
            python, "-m", "gunicorn", "orderpilot.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", os.environ.get("ORDERPILOT_WEB_WORKERS", "2"),
            "--access-logfile", "-",
            "--graceful-timeout", "10",
            *(extra or []),
        ]
    if role == "worker":
        # a node name of its own, so that several workers can run on one machine
        named = any(a in (extra or []) for a in ("-n", "--hostname"))
        node = [] if named else ["--hostname", f"orderpilot-{os.getpid()}@%h"]
        return [
            python, "-m", "celery", "-A", "orderpilot.celery:app", "worker",
            "--loglevel", os.environ.get("ORDERPILOT_LOG_LEVEL", "INFO"),
            "--concurrency", os.environ.get("ORDERPILOT_WORKER_CONCURRENCY", "2"),
            "--without-gossip", "--without-mingle",
            *node,
            *(extra or []),
        ]
    if role == "scheduler":
        from django.conf import settings

        return [
            python, "-m", "celery", "-A", "orderpilot.celery:app", "beat",
            "--loglevel", os.environ.get("ORDERPILOT_LOG_LEVEL", "INFO"),
            "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
            *(extra or []),
        ]
    raise ValueError(role)


def run_role(role: str, argv: list[str]) -> int:
    """Run one role in the foreground (distributed mode): ``web``, ``worker`` or ``scheduler``."""
    import django

    django.setup()
    if role == "web":
        parser = argparse.ArgumentParser(prog="orderpilot web")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        args, extra = parser.parse_known_args(argv)
        command = _role_command("web", host=args.host, port=args.port, extra=extra)
    else:
        command = _role_command(role, extra=argv)
    os.execv(command[0], command)
    return 0  # not reached


def run(argv: list[str]) -> int:
    """Migrate, then run web server, worker and scheduler until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="orderpilot run", description="Run OrderPilot on one machine.")
    parser.add_argument("--demo", action="store_true", help="apply the demo configuration")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    roles = {
        "web": _role_command("web", host=args.host, port=args.port),
        "worker": _role_command("worker"),
        "scheduler": _role_command("scheduler"),
    }
    environment = None
    if args.demo:
        from orderpilot.demo.setup import demo_environment, prepare_demo, simulator_commands

        for line in prepare_demo():
            print(line, flush=True)
        roles = {**simulator_commands(web_port=args.port), **roles}
        environment = {**os.environ, **demo_environment()}
    children = Supervisor()
    try:
        for name, command in roles.items():
            children.start(name, command, env=environment)
        if args.demo:
            from orderpilot.demo.setup import seed_simulators

            for line in seed_simulators():
                print(line, flush=True)
        print(f"OrderPilot is running at http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
        return children.wait()
    finally:
        children.stop()


class Supervisor:
    """Child processes that live and die together."""

    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen] = {}
        self.stopping = False
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        self.stopping = True

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        # a session of its own, so that Ctrl-C reaches the children only through us, in order
        self.processes[name] = subprocess.Popen(command, start_new_session=True, env=env)

    def wait(self) -> int:
        while not self.stopping:
            for name, process in list(self.processes.items()):
                code = process.poll()
                if code is None:
                    continue
                if name.startswith("sim-"):
                    # a demo simulator that cannot run (its port taken) must not take OrderPilot down
                    print(f"{name} stopped (exit {code}); OrderPilot runs on without it", file=sys.stderr)
                    del self.processes[name]
                    continue
                print(f"{name} stopped unexpectedly (exit {code}); stopping the others", file=sys.stderr)
                return code or 1
            time.sleep(0.5)
        print("stopping …", flush=True)
        return 0

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


if __name__ == "__main__":
    sys.exit(main())

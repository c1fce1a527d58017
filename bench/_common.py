"""Shared plumbing of the benchmarks: a database of their own, Django set up against it, child
processes (simulators, web server, workers), peak memory, and one line of output at a time.

Every benchmark creates its database (PostgreSQL ``op_bench_<what>_<pid>`` or a SQLite file under
``var/bench/``) and its data dir, and removes both when it ends, also after Ctrl-C. Nothing here is
imported by the application.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

POSTGRES_SERVER = os.environ.get("ORDERPILOT_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
AMQP_URL = os.environ.get("ORDERPILOT_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"


def emit(line: str = "") -> None:
    """The benchmark's output: one line on stdout, at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    load = os.getloadavg()[0]
    return (
        f"{model or platform.processor() or 'unknown CPU'}, {os.cpu_count()} cores{memory}, "
        f"Python {platform.python_version()}, load {load:.1f} at start"
    )


# --- databases ----------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(kind: str, name: str) -> Iterator[str]:
    """A fresh, empty database for this run; yields its URL and drops it afterwards."""
    if kind == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{os.getpid()}.sqlite3"
        _remove_sqlite(path)
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)
        return
    if kind != "postgres":
        raise ValueError(f"unknown database {kind!r} (sqlite or postgres)")
    import psycopg

    database = f"op_bench_{name}_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield f"{POSTGRES_SERVER}/{database}"
    finally:
        from django.db import connections

        with contextlib.suppress(Exception):
            connections.close_all()
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


@contextlib.contextmanager
def data_dir(name: str) -> Iterator[Path]:
    folder = ROOT / "var" / "bench" / f"{name}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def environment(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The variables every process of the run gets (this one before ``django.setup()`` too)."""
    values = {
        "DJANGO_SETTINGS_MODULE": "orderpilot.settings.base",
        "DATABASE_URL": database_url,
        "ORDERPILOT_DATA_DIR": str(folder),
        "ORDERPILOT_SECRET_KEY": SECRET_KEY,
        "ORDERPILOT_LOG_LEVEL": "WARNING",
        "ORDERPILOT_KICK_WORKERS": "0",
        "ORDERPILOT_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{folder / 'broker.sqlite3'}",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench")]),
    }
    values.update(extra)
    return values


def setup_django(env: dict[str, str], *, migrate: bool = True) -> None:
    os.environ.update(env)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL)"


# --- child processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Children:
    """Child processes of this run, each in a process group of its own, stopped by their ids."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=ROOT,
        )
        self.processes[name] = process
        return process

    def log(self, name: str, tail: int = 3000) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def check(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log(name)}")

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def orderpilot(*args: str) -> list[str]:
    return [sys.executable, "-m", "orderpilot.cli", *args]


def wait_for_http(url: str, *, timeout: float = 60.0, children: Children | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if children is not None:
                children.check()
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


# --- the Amazon gateway without client-side limits ---------------------------------------------


def relax_gateway() -> None:
    """Lift the Amazon gateway's own token buckets (the published usage plans) in this process.

    ``orderpilot sim amazon --relaxed`` lifts the simulator's limits, but the gateway still keeps
    to Amazon's published plans on its side (and adopts the rate the simulator announces), so a
    throughput benchmark would measure Amazon's limits, not OrderPilot. The bucket row is still
    taken for every call (that database work is part of the real path); only its rate changes.
    """
    from orderpilot.channels.amazon import gateway

    gateway.USAGE_PLANS = dict.fromkeys(gateway.USAGE_PLANS, (1_000_000.0, 1_000_000))
    gateway._announced_rate = lambda headers: None

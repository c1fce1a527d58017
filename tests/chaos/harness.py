"""The moving parts of the chaos run, each of which can be broken on purpose.

- :class:`PrivateRabbit`: a RabbitMQ node of the run's own (port, node name, data dir), so that
  ``rabbitmqctl stop_app``/``start_app`` restarts a broker nobody else uses;
- :class:`MailCounter`: an SMTP server (aiosmtpd) that records every message with its Message-ID;
- :class:`Served` and :class:`FaultyApp`: a WSGI application served over HTTP in a thread, with a share
  of its requests refused before the application sees them, or answered by nobody after it acted
  (the connection is cut: the client cannot know whether its call took effect);
- :class:`Role`: an OrderPilot process (``orderpilot web|worker|scheduler``) in a session of its own,
  killed with SIGKILL (whole process group, or one pool process) and started again;
- :class:`DatabaseOutage`: what a PostgreSQL restart does to the clients of one database — every
  connection is terminated and new ones are refused for a while — without touching the shared server;
- :class:`QuotaTopUp`: refills the shared SP-API token buckets (see the module docstring of
  ``test_chaos``).
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from werkzeug.serving import make_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, *, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f}s")


# --- broker ---------------------------------------------------------------------------------------


def rabbitmq_scripts() -> tuple[str, str] | None:
    """The real ``rabbitmq-server`` and ``rabbitmqctl`` scripts (not Debian's wrappers, which switch
    to the ``rabbitmq`` user and drop the environment), or ``None`` when RabbitMQ is not installed."""
    candidates = [os.environ.get("ORDERPILOT_CHAOS_RABBITMQ_BIN", ""), "/usr/lib/rabbitmq/bin"]
    which = shutil.which("rabbitmq-server")
    if which:
        candidates.append(str(Path(which).resolve().parent))
    for folder in filter(None, candidates):
        server, ctl = Path(folder) / "rabbitmq-server", Path(folder) / "rabbitmqctl"
        if server.is_file() and ctl.is_file() and b"su rabbitmq" not in server.read_bytes():
            return str(server), str(ctl)
    return None


class PrivateRabbit:
    """A RabbitMQ node for this run only: its own node name, ports, cookie and data directory."""

    def __init__(self, root: Path, *, server: str, ctl: str):
        self.root = root
        self.server, self.ctl = server, ctl
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"chaos-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen | None = None
        root.mkdir(parents=True, exist_ok=True)
        (root / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\n")
        (root / "rabbitmq-env.conf").write_text("")
        (root / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "HOME": str(root),  # the Erlang cookie of this node lives here
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(root / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(root / "log"),
            "RABBITMQ_PID_FILE": str(root / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self, *, timeout: float = 90) -> PrivateRabbit:
        with (self.root / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.server], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(lambda: port_open(self.port), timeout=timeout, what=f"RabbitMQ node {self.node}")
        return self

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [self.ctl, "-n", self.node, *args], env=self.env, check=True, capture_output=True, timeout=timeout
        )

    def restart_app(self, *, down_seconds: float) -> None:
        """``rabbitmqctl stop_app``, a pause, ``start_app``: every client loses its connection."""
        self._ctl("stop_app")
        time.sleep(down_seconds)
        self._ctl("start_app")
        wait_for(lambda: port_open(self.port), timeout=60, what="RabbitMQ after start_app")

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self._ctl("shutdown", timeout=30)
        except (subprocess.SubprocessError, OSError):
            pass
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)


# --- mail -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    message_id: str
    to: tuple[str, ...]
    subject: str
    at: float


class MailCounter:
    """An SMTP server on a free port that keeps (Message-ID, recipients, subject, time) of every message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.received: list[Mail] = []
        self._lock = threading.Lock()
        counter = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
                raw = envelope.original_content or envelope.content
                headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
                with counter._lock:
                    counter.received.append(
                        Mail(
                            message_id=str(headers.get("Message-ID", "")).strip(),
                            to=tuple(envelope.rcpt_tos),
                            subject=str(headers.get("Subject", "")),
                            at=time.time(),
                        )
                    )
                return "250 Message accepted"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ready_timeout=10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def mails(self) -> list[Mail]:
        with self._lock:
            return list(self.received)

    def start(self) -> MailCounter:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


# --- HTTP services with faults ----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A write (anything but GET) that reached a :class:`FaultyApp`: when, what, and what became of it."""

    started: float
    at: float  # when the application had answered
    method: str
    path: str
    outcome: str  # passed | refused | lost
    status: int
    body: str  # the application's answer (for ``lost``: the answer nobody received)


class FaultyApp:
    """WSGI middleware: ``refuse_rate`` of the covered requests get ``refuse_status`` before the
    application sees them; ``lost_rate`` reach the application, which acts, and then the connection is
    cut without an answer. ``counts`` tells what happened (``passed``, ``refused``, ``lost``);
    ``calls`` keeps every covered request that is not a GET, with the application's answer."""

    def __init__(self, app, *, covers: Callable[[dict], bool], rng: random.Random):
        self.app = app
        self.covers = covers
        self.rng = rng
        self.refuse_rate = 0.0
        self.refuse_status = 503
        self.lost_rate = 0.0
        self.counts: Counter[str] = Counter()
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def configure(self, *, refuse_rate: float = 0.0, refuse_status: int = 503, lost_rate: float = 0.0) -> None:
        with self._lock:
            self.refuse_rate, self.refuse_status, self.lost_rate = refuse_rate, refuse_status, lost_rate

    def __call__(self, environ, start_response):
        if not self.covers(environ):
            return self.app(environ, start_response)
        started = time.time()
        with self._lock:
            draw = self.rng.random()
            refuse, lost, status = self.refuse_rate, self.lost_rate, self.refuse_status
        outcome = "refused" if draw < refuse else "lost" if draw < refuse + lost else "passed"
        # read the whole body first: the server must not take what is left of it for the next request
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length) if length else b"")
        if outcome == "refused":
            answer = [status, b'{"errors": [{"code": "Chaos", "message": "refused by the chaos test"}]}']
            start_response(f"{status} Chaos", [("Content-Type", "application/json"), ("Retry-After", "1")])
        else:
            answer = []

            def capture(status_line, headers, exc_info=None):
                answer[:] = [int(status_line.split()[0]), headers]
                if outcome == "passed":
                    return start_response(status_line, headers, exc_info)
                return lambda data: None

            chunks = self.app(environ, capture)
            try:
                answer.append(b"".join(chunks))
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        self._note(environ, outcome, started=started, status=answer[0], body=answer[-1])
        if outcome == "lost":
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("chaos: the answer was lost")
        return [answer[-1]]

    def _note(self, environ, outcome: str, *, started: float, status: int, body: bytes) -> None:
        with self._lock:
            self.counts[outcome] += 1
            if environ.get("REQUEST_METHOD", "GET") != "GET":
                self.calls.append(
                    Call(
                        started=started,
                        at=time.time(),
                        method=environ["REQUEST_METHOD"],
                        path=environ.get("PATH_INFO", ""),
                        outcome=outcome,
                        status=status,
                        body=body[:2000].decode("utf-8", "replace"),
                    )
                )


class Served:
    """A WSGI application served over HTTP on a free port, in a thread."""

    def __init__(self, app, *, port: int | None = None):
        self.server = make_server("127.0.0.1", port or 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"served-{self.port}", daemon=True)

    def start(self) -> Served:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(timeout=10)


# --- OrderPilot processes ---------------------------------------------------------------------------


@dataclass
class Role:
    """One OrderPilot process in a session (process group) of its own; its log survives restarts."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    starts: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)

    def start(self) -> Role:
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1} at {time.time():.3f}\n".encode())
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1
        self.events.append((time.time(), "start"))
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def children(self) -> list[int]:
        if not self.alive:
            return []
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, open transactions die with their connections."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.events.append((time.time(), "SIGKILL group"))

    def kill_child(self, rng: random.Random) -> int | None:
        """SIGKILL one child (a Celery pool process, a gunicorn worker); the parent replaces it."""
        children = self.children()
        if not children:
            return None
        victim = rng.choice(children)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return None
        self.events.append((time.time(), f"SIGKILL child {victim}"))
        return victim

    def stop(self, *, timeout: float = 30) -> None:
        """SIGTERM to the main process, which stops its children in order (Celery: warm shutdown,
        running tasks finish; gunicorn: graceful); SIGKILL for the whole group after ``timeout``."""
        if not self.alive:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.events.append((time.time(), f"no exit within {timeout:.0f}s of SIGTERM"))
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever of the group is left
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.events.append((time.time(), "stopped"))

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


# --- database -----------------------------------------------------------------------------------------


class DatabaseOutage:
    """Make one database unavailable the way a server restart does: new connections are refused
    (``ALLOW_CONNECTIONS false``) and every open one is terminated; afterwards connections are allowed
    again. Other databases on the shared server are not touched."""

    def __init__(self, *, admin_dsn: str, database: str):
        self.admin_dsn = admin_dsn
        self.database = database

    def _allow(self, connection, allowed: bool) -> None:
        connection.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(self.database), sql.SQL("true" if allowed else "false")
            )
        )

    def __call__(self, *, seconds: float) -> int:
        """Returns how many connections were terminated."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            self._allow(admin, False)
            try:
                terminated = admin.execute(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.database],
                ).fetchone()[0]
                time.sleep(seconds)
            finally:
                self._allow(admin, True)
        return terminated

    def restore(self) -> None:
        """Allow connections (in case a run was interrupted in the middle of an outage)."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            self._allow(admin, True)


class QuotaTopUp(threading.Thread):
    """Every ``interval`` seconds, fill the SP-API token buckets whose key starts with ``prefix``.

    Keeps working through database outages (it reconnects)."""

    def __init__(self, *, dsn: str, table: str, prefix: str, interval: float = 0.5):
        super().__init__(name="quota-top-up", daemon=True)
        self.dsn, self.table, self.prefix, self.interval = dsn, table, prefix, interval
        self.stopping = threading.Event()
        self.refills = 0

    def run(self) -> None:
        statement = sql.SQL("UPDATE {} SET tokens = burst, updated_at = now() WHERE key LIKE %s").format(
            sql.Identifier(self.table)
        )
        connection: Any = None
        while not self.stopping.wait(self.interval):
            try:
                if connection is None or connection.closed:
                    connection = psycopg.connect(self.dsn, autocommit=True, connect_timeout=2)
                connection.execute(statement, [f"{self.prefix}%"])
                self.refills += 1
            except psycopg.Error:
                if connection is not None:
                    connection.close()
                connection = None
        if connection is not None:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)

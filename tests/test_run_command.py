"""`orderpilot run` starts web server, worker and scheduler, serves the login page, stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_port_block(size: int) -> int:
    """A port from which ``size`` consecutive ports are free (the demo's simulators take them)."""
    for _ in range(50):
        base = _free_port()
        try:
            sockets = []
            for offset in range(size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return base
    raise RuntimeError("no block of free ports")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    pairs = [tuple(map(int, line.split())) for line in out.splitlines() if line.strip()]
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in pairs if ppid == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(stat) and not stat.startswith("Z")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_login_and_stops_all_children(tmp_path, stop_signal):
    # given: a fresh data dir on the embedded default (SQLite database and broker)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(
        ORDERPILOT_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="orderpilot.settings.base",
        ORDERPILOT_DEMO_PORT_BASE=str(_free_port_block(4)),  # the demo's simulators, on ports of their own
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "orderpilot.cli", "run", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # when it is up
        login = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                login = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert login is not None, process.stdout.read() if process.poll() is not None else "no answer"
        # then the board redirects to a login form, and the health endpoint answers without login
        assert login.url.path == "/login/"
        assert 'name="username"' in login.text
        assert 'name="password"' in login.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/health/", timeout=5).json()["status"] == "ok"
        children = _children(process.pid)
        assert len(children) >= 3  # gunicorn, celery worker, celery beat (and their own children)
        # when it is told to stop
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # then it exits cleanly and leaves no process behind
    assert process.returncode == 0, output
    assert "demo configuration applied" in output
    time.sleep(0.5)
    assert [pid for pid in children if _alive(pid)] == []

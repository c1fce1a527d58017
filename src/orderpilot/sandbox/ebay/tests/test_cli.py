"""``orderpilot sim ebay --port P`` (CONTRACT.md §1) serves the simulator, credentials from the environment."""

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from orderpilot.sandbox.ebay.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

TOKEN_FORM = {"grant_type": "refresh_token", "refresh_token": "v^1.1#i^1#r^1#sim-refresh-token"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_sim(name: str, env: dict[str, str], *options: str, timeout: float = 30.0) -> Iterator[str]:
    """``orderpilot sim NAME --port P [-o KEY=VALUE …]`` as a child process of this test; yields its URL,
    stops it after."""
    port = _free_port()
    command = [str(Path(sys.executable).parent / "orderpilot"), "sim", name, "--port", str(port)]
    for option in options:
        command += ["-o", option]
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the simulator exited: {process.communicate()[1].decode()[-2000:]}")
            try:
                httpx.get(f"{url}/_sim/clock", timeout=1.0)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"{url} did not come up"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_cli_serves_the_ebay_simulator_with_credentials_from_the_environment():
    # given
    env = {"ORDERPILOT_SIM_EBAY_CLIENT_ID": "cli-client", "ORDERPILOT_SIM_EBAY_CLIENT_SECRET": "cli-secret"}
    with running_sim("ebay", env) as url:
        # when
        configured = httpx.post(f"{url}/identity/v1/oauth2/token", data=TOKEN_FORM,
                                headers=_basic("cli-client", "cli-secret"))  # fmt: skip
        default = httpx.post(f"{url}/identity/v1/oauth2/token", data=TOKEN_FORM,
                             headers=_basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))  # fmt: skip
    # then
    assert configured.status_code == 200
    assert default.status_code == 401

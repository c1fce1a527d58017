"""``orderpilot sim amazon --port P`` serves the simulator from the real command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from orderpilot.core.registry import resolve
from orderpilot.sandbox.amazon.app import create_app
from orderpilot.sandbox.registry import SIMULATORS

REPO = Path(__file__).resolve().parents[5]
TOKEN_FORM = {
    "grant_type": "refresh_token",
    "refresh_token": "Atzr|sim-refresh",
    "client_id": "amzn1.application-oa2-client.sim",
    "client_secret": "sim-secret",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_registry_names_the_amazon_factory():
    assert resolve(SIMULATORS["amazon"]) is create_app


def test_orderpilot_sim_amazon_serves_tokens_and_orders(tmp_path):
    # given
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "orderpilot.settings.test",
        "ORDERPILOT_DATA_DIR": "var/test-amzsim",
    }
    for name in (
        "ORDERPILOT_SIM_AMAZON_CLIENT_ID",
        "ORDERPILOT_SIM_AMAZON_CLIENT_SECRET",
        "ORDERPILOT_SIM_AMAZON_REFRESH_TOKEN",
        "ORDERPILOT_SIM_AMAZON_GENERATE_EVERY",
    ):
        env.pop(name, None)
    log = (tmp_path / "sim.log").open("wb")
    command = [
        str(Path(sys.executable).parent / "orderpilot"),
        "sim",
        "amazon",
        "--port",
        str(port),
        "-o",
        "skus=BOOK-9",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # when: the server answers the token endpoint (Django start-up takes a few seconds)
        response = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/auth/o2/token", data=TOKEN_FORM, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None, (tmp_path / "sim.log").read_text()
        orders = httpx.get(
            f"http://127.0.0.1:{port}/orders/v0/orders",
            params={"MarketplaceIds": "A1PA6795UKMFR9", "CreatedAfter": "2026-01-01T00:00:00Z"},
            headers={"x-amz-access-token": response.json()["access_token"]},
        )
        generated = httpx.post(f"http://127.0.0.1:{port}/_sim/generate", json={"count": 1})
        stored = httpx.get(f"http://127.0.0.1:{port}/_sim/orders").json()["orders"]
        # then
        assert generated.status_code == 201
        assert {i["SellerSKU"] for i in stored[0]["OrderItems"]} == {"BOOK-9"}
        assert response.status_code == 200
        assert response.json()["token_type"] == "bearer"
        assert orders.status_code == 200
        assert orders.headers["x-amzn-RateLimit-Limit"] == "0.0167"
        assert orders.json()["payload"]["Orders"] == []
        assert len(stored) == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    assert f"amazon simulator on http://127.0.0.1:{port}/" in (tmp_path / "sim.log").read_text()

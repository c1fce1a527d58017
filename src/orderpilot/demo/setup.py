"""Prepare a fresh installation for ``orderpilot run --demo``: simulators, channels, a login."""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from orderpilot.core.configuration.apply import apply_config
from orderpilot.core.configuration.schema import validate_config
from orderpilot.sandbox.registry import SIMULATORS

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo's documented login, only created by --demo

#: simulators the demo starts and their ports (from ORDERPILOT_DEMO_PORT_BASE, default 9101, upwards)
_BASE = int(os.environ.get("ORDERPILOT_DEMO_PORT_BASE", "9101"))
DEMO_SIMULATORS: dict[str, int] = {"amazon": _BASE, "ebay": _BASE + 1, "gambio": _BASE + 2, "shipper": _BASE + 3}

#: the simulators' default credentials, handed to the channels through environment variables
DEMO_ENVIRONMENT = {
    "AMAZON_CLIENT_ID": "amzn1.application-oa2-client.sim",
    "AMAZON_CLIENT_SECRET": "sim-secret",
    "AMAZON_REFRESH_TOKEN": "Atzr|sim-refresh",
    "DEMO_3PL_TOKEN": "demo-3pl-webhook-token",
    "EBAY_CLIENT_ID": "OrderPil-sim-PRD-0a1b2c3d4-e5f6a7b8",
    "EBAY_CLIENT_SECRET": "PRD-sim-client-secret",
    "EBAY_REFRESH_TOKEN": "v^1.1#i^1#r^1#sim-refresh-token",
    "GAMBIO_API_USER": "api@shop.example",
    "GAMBIO_API_PASSWORD": "sim-gambio-password",
}


def demo_channels() -> list[dict]:
    channels = []
    if "amazon" in SIMULATORS:
        url = f"http://127.0.0.1:{DEMO_SIMULATORS['amazon']}"
        channels.append(
            {
                "code": "amazon-de",
                "kind": "amazon",
                "name": "Amazon.de (Simulator)",
                "endpoint": url,
                "token_endpoint": f"{url}/auth/o2/token",
                "marketplace_ids": ["A1PA6795UKMFR9", "A1F83G8C2ARO7P"],  # amazon.de, amazon.co.uk
                "refresh_token_env": "AMAZON_REFRESH_TOKEN",
                "client_id_env": "AMAZON_CLIENT_ID",
                "client_secret_env": "AMAZON_CLIENT_SECRET",
                "poll_interval": "20s",
            }
        )
    if "ebay" in SIMULATORS:
        url = f"http://127.0.0.1:{DEMO_SIMULATORS['ebay']}"
        channels.append(
            {
                "code": "ebay-de",
                "kind": "ebay",
                "name": "eBay.de (Simulator)",
                "endpoint": url,
                "token_endpoint": f"{url}/identity/v1/oauth2/token",
                "client_id_env": "EBAY_CLIENT_ID",
                "client_secret_env": "EBAY_CLIENT_SECRET",
                "refresh_token_env": "EBAY_REFRESH_TOKEN",
                "poll_interval": "20s",
                "settings": {"marketplace_id": "EBAY_DE", "finances_endpoint": url},
            }
        )
    if "gambio" in SIMULATORS:
        channels.append(
            {
                "code": "shop",
                "kind": "gambio",
                "name": "Eigener Shop (Gambio-Simulator)",
                "endpoint": f"http://127.0.0.1:{DEMO_SIMULATORS['gambio']}",
                "username_env": "GAMBIO_API_USER",
                "password_env": "GAMBIO_API_PASSWORD",
                "poll_interval": "20s",
                "settings": {"review_url": "http://127.0.0.1:8000/review?order={order}"},
            }
        )
    return channels


def demo_config() -> dict:
    text = (Path(__file__).parent / "demo.toml").read_text()
    text = text.replace("@DATA_DIR@", str(settings.ORDERPILOT_DATA_DIR))
    text = text.replace("@SHIPPER_URL@", f"http://127.0.0.1:{DEMO_SIMULATORS['shipper']}")
    config = tomllib.loads(text)
    config["channels"] = demo_channels()
    return config


def simulator_commands(*, web_port: int) -> dict[str, list[str]]:
    """The simulator processes ``run --demo`` starts beside web server, worker and scheduler."""
    options = {
        # the 3PL answers on OrderPilot's webhook after 20 s, and now and then not at all (deadlines)
        "shipper": [
            "-o", f"return_webhook=http://127.0.0.1:{web_port}/api/shipping/confirmations/",
            "-o", "return_token_env=DEMO_3PL_TOKEN",
            "-o", "confirm_delay=20",
            "-o", "drop_rate=0.05",
        ],
    }
    return {
        f"sim-{name}": [
            sys.executable, "-m", "orderpilot.cli", "sim", name, "--port", str(port), *options.get(name, [])
        ]
        for name, port in DEMO_SIMULATORS.items()
        if name in SIMULATORS
    }


DEMO_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def demo_environment() -> dict[str, str]:
    """Variables for the simulators: they keep producing realistic orders."""
    return {
        "ORDERPILOT_SIM_AMAZON_GENERATE_EVERY": os.environ.get("ORDERPILOT_SIM_AMAZON_GENERATE_EVERY", "15"),
        "ORDERPILOT_SIM_EBAY_GENERATE_EVERY": os.environ.get("ORDERPILOT_SIM_EBAY_GENERATE_EVERY", "40"),
        "ORDERPILOT_SIM_GAMBIO_GENERATE_EVERY": os.environ.get("ORDERPILOT_SIM_GAMBIO_GENERATE_EVERY", "40"),
        "DEMO_3PL_TOKEN": os.environ["DEMO_3PL_TOKEN"],
        # the demo has no mail server: customer emails are written as files to $ORDERPILOT_DATA_DIR/mail
        "ORDERPILOT_EMAIL_BACKEND": os.environ.get("ORDERPILOT_EMAIL_BACKEND", DEMO_EMAIL_BACKEND),
    }


def seed_simulators(*, timeout: float = 30.0) -> Iterator[str]:
    """Give the running simulators a first batch of orders, so the board fills at once."""
    import time

    import httpx

    if "amazon" not in SIMULATORS:
        return
    url = f"http://127.0.0.1:{DEMO_SIMULATORS['amazon']}/_sim/generate"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.post(url, json={"count": 8}, timeout=5)
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        if response.status_code == 201:
            yield f"Amazon simulator: {len(response.json()['AmazonOrderIds'])} demo orders placed"
        return
    yield "Amazon simulator did not answer; it will still produce orders while it runs"


def prepare_demo() -> Iterator[str]:
    from django.contrib.auth import get_user_model

    for name, value in DEMO_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    report = apply_config(validate_config(demo_config()))
    yield f"demo configuration applied ({len(report.changes)} change(s))"
    users = get_user_model()
    if not users.objects.filter(is_superuser=True).exists():
        users.objects.create_superuser(DEMO_USER, "demo@example.com", DEMO_PASSWORD)
        yield f"demo login created: user {DEMO_USER!r}, password {DEMO_PASSWORD!r}"

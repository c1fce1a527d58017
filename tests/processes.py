"""Start OrderPilot processes against the database of the running test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the test database the current test uses (committed data only is visible)."""
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{name}"


def process_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "orderpilot.settings.test",
            "DATABASE_URL": database_url(),
            "ORDERPILOT_SECRET_KEY": settings.SECRET_KEY,
            "ORDERPILOT_DATA_DIR": str(settings.ORDERPILOT_DATA_DIR),
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def orderpilot(*args: str, **popen) -> list[str]:
    return [sys.executable, "-m", "orderpilot.cli", *args]


def run_script(script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / script), *args],
        env=env or process_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )

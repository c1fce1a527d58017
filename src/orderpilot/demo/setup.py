"""Prepare a fresh installation for ``orderpilot run --demo``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from orderpilot.core.configuration.apply import apply_config
from orderpilot.core.configuration.schema import validate_config

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo's documented login, only created by --demo


def demo_config_text() -> str:
    text = (Path(__file__).parent / "demo.toml").read_text()
    return text.replace("@DATA_DIR@", str(settings.ORDERPILOT_DATA_DIR))


def prepare_demo() -> Iterator[str]:
    import tomllib

    from django.contrib.auth import get_user_model

    report = apply_config(validate_config(tomllib.loads(demo_config_text())))
    yield f"demo configuration applied ({len(report.changes)} change(s))"
    users = get_user_model()
    if not users.objects.filter(is_superuser=True).exists():
        users.objects.create_superuser(DEMO_USER, "demo@example.com", DEMO_PASSWORD)
        yield f"demo login created: user {DEMO_USER!r}, password {DEMO_PASSWORD!r}"

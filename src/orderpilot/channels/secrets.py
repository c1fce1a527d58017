"""Credentials of a channel: from the environment variable the configuration names, else stored."""

from __future__ import annotations

import os

from orderpilot.core.exceptions import ConfigurationError

from .models import Channel


def channel_secret(channel: Channel, name: str) -> str:
    env_name = (channel.settings or {}).get("secret_env", {}).get(name)
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    stored = (channel.secrets or {}).get(name)
    if stored:
        return stored
    where = f"environment variable {env_name}" if env_name else f"key {name}_env in its configuration"
    raise ConfigurationError(f"channel {channel.code}: credential {name!r} is missing (set {where})")

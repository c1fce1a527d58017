"""Shared helpers of the network transports and return channels: URLs with credentials, safe names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from orderpilot.core.exceptions import TerminalError

#: A file name we write or read remotely: no path, no hidden or temporary file, no odd characters.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def is_safe_name(name: str) -> bool:
    return bool(SAFE_NAME.match(name)) and ".." not in name


def check_name(name: str) -> str:
    if not is_safe_name(name):
        raise TerminalError(f"refusing file name {name!r}")
    return name


@dataclass(frozen=True)
class Remote:
    """Where a transport or return channel talks to. ``password`` never appears in ``__str__``."""

    scheme: str
    host: str
    port: int
    username: str
    password: str
    path: str

    def __str__(self) -> str:  # for logs and outbox results: no password
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}{self.path or '/'}"


DEFAULT_PORTS = {"ftp": 21, "ftps": 21, "sftp": 22, "imap": 143, "imaps": 993, "imap+starttls": 143}


def parse_remote(config: dict[str, Any], *, schemes: set[str]) -> Remote:
    """Read ``config["url"]``; ``config["password"]`` (from ``password_env``) overrides one in the URL."""
    url = config.get("url") or ""
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise TerminalError(f"expected a URL like {sorted(schemes)[0]}://user:pass@host:port/folder, got scheme "
                            f"{parts.scheme!r}")
    path = unquote(parts.path or "")
    if any(segment == ".." for segment in path.split("/")):
        raise TerminalError("the folder in the URL must not contain '..'")
    return Remote(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS.get(parts.scheme, 0),
        username=unquote(parts.username or config.get("username", "")),
        password=config.get("password") or unquote(parts.password or ""),
        path=path,
    )


def timeout(config: dict[str, Any], default: float = 30.0) -> float:
    try:
        return float(config.get("timeout", default))
    except (TypeError, ValueError):
        raise TerminalError(f"timeout must be a number of seconds, got {config.get('timeout')!r}") from None

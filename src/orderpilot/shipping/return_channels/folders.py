"""Names of the outcome folders on FTP/SFTP (``done/``, ``quarantine/``) and in a mailbox."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from orderpilot.core.exceptions import TerminalError

FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
DEFAULTS = {"done": "done", "quarantine": "quarantine"}


def outcome_folder(config: dict[str, Any], outcome: str) -> str:
    """The folder for ``outcome`` (``done_folder`` / ``quarantine_folder`` in the configuration)."""
    name = str(config.get(f"{outcome}_folder") or DEFAULTS[outcome])
    if not FOLDER.match(name) or ".." in name:
        raise TerminalError(f"{outcome}_folder {name!r} must be a plain folder name")
    return name


def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with a time stamp when a file of that name was processed before."""
    if name not in taken:
        return name
    stem, dot, suffix = name.rpartition(".")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stem}-{stamp}.{suffix}" if dot else f"{name}-{stamp}"

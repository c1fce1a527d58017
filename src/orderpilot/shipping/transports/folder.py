"""A local folder (a printing station, a mounted share): files appear whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from orderpilot.core.exceptions import RetryableError, TerminalError

from ..base import Document


class FolderTransport:
    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        folder = Path(config.get("path", ""))
        if not str(folder) or not folder.is_absolute():
            raise TerminalError(f"folder transport needs an absolute 'path', got {str(folder)!r}")
        if Path(document.filename).name != document.filename:
            raise TerminalError(f"refusing file name {document.filename!r}")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / document.filename
            # Write under a temporary name, then rename: a reader never sees half a file, and a
            # repeat with the same name replaces the file instead of adding a second one.
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(document.content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise RetryableError(f"cannot write to {folder}: {exc}") from exc
        return {"path": str(target), "bytes": len(document.content)}

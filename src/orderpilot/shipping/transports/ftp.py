"""FTP (and explicit FTPS): upload under a temporary name, then rename, so a shipper never picks up
half a file; a repeat of the same delivery replaces the file of the same name."""

from __future__ import annotations

import ftplib
import io
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from orderpilot.core.exceptions import RetryableError, TerminalError

from ..base import Document
from ..remote import Remote, check_name, parse_remote, timeout

SCHEMES = {"ftp", "ftps"}
PASSING = (OSError, EOFError, socket.timeout, ftplib.error_temp, ftplib.error_reply, ftplib.error_proto)


@contextmanager
def ftp_session(remote: Remote, *, seconds: float) -> Iterator[ftplib.FTP]:
    ftp: ftplib.FTP = ftplib.FTP_TLS(timeout=seconds) if remote.scheme == "ftps" else ftplib.FTP(timeout=seconds)
    ftp.connect(remote.host, remote.port)
    try:
        ftp.login(remote.username or "anonymous", remote.password)
        if isinstance(ftp, ftplib.FTP_TLS):
            ftp.prot_p()
        if remote.path not in ("", "/"):
            ftp.cwd(remote.path)
        yield ftp
    finally:
        try:
            ftp.quit()
        except (*PASSING, ftplib.error_perm):
            ftp.close()


def replace_file(ftp: ftplib.FTP, source: str, target: str) -> None:
    """Rename ``source`` to ``target``, replacing an existing ``target`` (servers differ on that)."""
    try:
        ftp.rename(source, target)
    except ftplib.error_perm:
        ftp.delete(target)
        ftp.rename(source, target)


class FtpTransport:
    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        remote = parse_remote(config, schemes=SCHEMES)
        name = check_name(document.filename)
        temporary = f".{name}.part"
        try:
            with ftp_session(remote, seconds=timeout(config)) as ftp:
                ftp.storbinary(f"STOR {temporary}", io.BytesIO(document.content))
                replace_file(ftp, temporary, name)
        except ftplib.error_perm as exc:
            raise TerminalError(f"{remote}: refused: {exc}") from exc
        except PASSING as exc:
            raise RetryableError(f"{remote}: {type(exc).__name__}: {exc}") from exc
        return {"url": str(remote), "file": name, "bytes": len(document.content)}

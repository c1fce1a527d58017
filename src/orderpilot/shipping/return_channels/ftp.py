"""FTP pickup: read the confirmation files a shipper put into its folder, then move each to
``done/`` or ``quarantine/`` (never deleted). Hidden and temporary files (``.name.part``) are skipped:
the shipper is still writing them."""

from __future__ import annotations

import ftplib
import io
import logging
from typing import Any

from orderpilot.core.exceptions import RetryableError, TerminalError

from ..base import InboundItem
from ..remote import is_safe_name, parse_remote, timeout
from ..transports.ftp import PASSING, SCHEMES, ftp_session
from . import MAX_ITEM_BYTES
from .folders import free_name, outcome_folder

logger = logging.getLogger(__name__)


class _TooLarge(Exception):
    pass


def _files(ftp: ftplib.FTP) -> list[str]:
    try:
        return [name for name, facts in ftp.mlsd(facts=["type"]) if facts.get("type") == "file"]
    except ftplib.error_perm:  # no MLSD: a plain listing; folders are told apart by SIZE
        names = []
        for name in ftp.nlst():
            try:
                ftp.size(name)
            except ftplib.error_perm:
                continue
            names.append(name)
        return names


def _read(ftp: ftplib.FTP, name: str) -> InboundItem | None:
    """The file ``name``, or ``None`` when the server will not hand it out (gone since the listing,
    no permission): it stays where it is and the other files are read."""
    buffer = io.BytesIO()

    def collect(chunk: bytes) -> None:
        buffer.write(chunk)
        if buffer.tell() > MAX_ITEM_BYTES:
            raise _TooLarge

    try:
        ftp.retrbinary(f"RETR {name}", collect)
    except _TooLarge:
        ftp.abort()
        return InboundItem(ref=name, name=name, content=b"", problem=f"larger than {MAX_ITEM_BYTES} bytes")
    except ftplib.error_perm as exc:
        logger.warning("FTP file %s listed but not readable, left in place: %s", name, exc)
        return None
    return InboundItem(ref=name, name=name, content=buffer.getvalue())


def _existing(ftp: ftplib.FTP, folder: str) -> set[str]:
    try:
        ftp.mkd(folder)
    except ftplib.error_perm:
        pass  # exists already
    try:
        return {name.rpartition("/")[2] for name in ftp.nlst(folder)}
    except ftplib.error_perm:
        return set()


class FtpPickup:
    def fetch(self, config: dict[str, Any], *, limit: int) -> list[InboundItem]:
        remote = parse_remote(config, schemes=SCHEMES)
        try:
            with ftp_session(remote, seconds=timeout(config)) as ftp:
                names = sorted(n for n in _files(ftp) if is_safe_name(n))[:limit]
                return [item for item in (_read(ftp, name) for name in names) if item is not None]
        except ftplib.error_perm as exc:
            raise TerminalError(f"{remote}: refused: {exc}") from exc
        except PASSING as exc:
            raise RetryableError(f"{remote}: {type(exc).__name__}: {exc}") from exc

    def acknowledge(self, config: dict[str, Any], items: list[tuple[InboundItem, str]]) -> None:
        if not items:
            return
        remote = parse_remote(config, schemes=SCHEMES)
        try:
            with ftp_session(remote, seconds=timeout(config)) as ftp:
                taken: dict[str, set[str]] = {}
                for item, outcome in items:
                    folder = outcome_folder(config, outcome)
                    if folder not in taken:
                        taken[folder] = _existing(ftp, folder)
                    target = free_name(item.ref, taken[folder])
                    ftp.rename(item.ref, f"{folder}/{target}")
                    taken[folder].add(target)
        except ftplib.error_perm as exc:
            raise TerminalError(f"{remote}: cannot move a processed file: {exc}") from exc
        except PASSING as exc:
            raise RetryableError(f"{remote}: {type(exc).__name__}: {exc}") from exc

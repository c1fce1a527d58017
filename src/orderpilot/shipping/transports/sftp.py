"""SFTP (asyncssh client): the server's host key must be configured; upload under a temporary name,
then an atomic rename (``posix-rename``), so a shipper never reads half a file."""

from __future__ import annotations

import asyncio
import posixpath
from typing import Any

import asyncssh

from orderpilot.core.exceptions import RetryableError, TerminalError

from ..base import Document
from ..remote import Remote, check_name, parse_remote, timeout

SCHEMES = {"sftp"}


def connect_options(remote: Remote, config: dict[str, Any]) -> dict[str, Any]:
    """Connection options: the pinned host key (``host_key``, an OpenSSH public key line) and a
    password or a private key (``private_key``, from ``private_key_env``)."""
    host_key = config.get("host_key", "")
    if not host_key:
        raise TerminalError("sftp needs host_key (the server's public key, e.g. 'ssh-ed25519 AAAA…')")
    try:
        trusted = asyncssh.import_public_key(host_key)
        client_keys = [asyncssh.import_private_key(config["private_key"])] if config.get("private_key") else []
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise TerminalError(f"sftp key cannot be read: {exc}") from None
    return {
        "host": remote.host,
        "port": remote.port,
        "username": remote.username,
        "password": remote.password or None,
        "client_keys": client_keys,
        "known_hosts": ([trusted], [], []),
        "agent_path": None,
        "connect_timeout": timeout(config),
    }


def run_sftp(remote: Remote, config: dict[str, Any], work) -> Any:
    """Run ``work(sftp)`` in a fresh SSH connection; map errors to retryable or terminal."""

    async def session():
        async with asyncssh.connect(**connect_options(remote, config)) as connection:
            async with connection.start_sftp_client() as sftp:
                return await asyncio.wait_for(work(sftp), timeout(config))

    try:
        return asyncio.run(session())
    except asyncssh.PermissionDenied as exc:
        raise TerminalError(f"{remote}: login refused: {exc.reason}") from exc
    except asyncssh.HostKeyNotVerifiable as exc:
        raise TerminalError(f"{remote}: host key does not match the configured host_key") from exc
    except (asyncssh.SFTPNoSuchFile, asyncssh.SFTPPermissionDenied) as exc:
        raise TerminalError(f"{remote}: {exc.reason}") from exc
    except (asyncssh.Error, OSError, TimeoutError) as exc:
        raise RetryableError(f"{remote}: {type(exc).__name__}: {exc}") from exc


async def replace_file(sftp: asyncssh.SFTPClient, source: str, target: str) -> None:
    try:
        await sftp.posix_rename(source, target)
    except asyncssh.SFTPOpUnsupported:
        if await sftp.exists(target):
            await sftp.remove(target)
        await sftp.rename(source, target)


class SftpTransport:
    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        remote = parse_remote(config, schemes=SCHEMES)
        name = check_name(document.filename)
        folder = remote.path or "."
        target, temporary = posixpath.join(folder, name), posixpath.join(folder, f".{name}.part")

        async def upload(sftp: asyncssh.SFTPClient) -> None:
            async with sftp.open(temporary, "wb") as handle:
                await handle.write(document.content)
            await replace_file(sftp, temporary, target)

        run_sftp(remote, config, upload)
        return {"url": str(remote), "file": name, "bytes": len(document.content)}

"""SFTP pickup: like the FTP pickup, over SSH with a pinned host key."""

from __future__ import annotations

import posixpath
from typing import Any

import asyncssh

from ..base import InboundItem
from ..remote import is_safe_name, parse_remote
from ..transports.sftp import SCHEMES, replace_file, run_sftp
from . import MAX_ITEM_BYTES
from .folders import free_name, outcome_folder


class SftpPickup:
    def fetch(self, config: dict[str, Any], *, limit: int) -> list[InboundItem]:
        remote = parse_remote(config, schemes=SCHEMES)
        folder = remote.path or "."

        async def read(sftp: asyncssh.SFTPClient) -> list[InboundItem]:
            entries = [
                e for e in await sftp.readdir(folder)
                if e.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR and is_safe_name(str(e.filename))
            ]
            items = []
            for entry in sorted(entries, key=lambda e: str(e.filename))[:limit]:
                name = str(entry.filename)
                if (entry.attrs.size or 0) > MAX_ITEM_BYTES:
                    items.append(InboundItem(ref=name, name=name, content=b"",
                                             problem=f"larger than {MAX_ITEM_BYTES} bytes"))
                    continue
                async with sftp.open(posixpath.join(folder, name), "rb") as handle:
                    content = await handle.read(MAX_ITEM_BYTES + 1)
                items.append(InboundItem(ref=name, name=name, content=content))
            return items

        return run_sftp(remote, config, read)

    def acknowledge(self, config: dict[str, Any], items: list[tuple[InboundItem, str]]) -> None:
        if not items:
            return
        remote = parse_remote(config, schemes=SCHEMES)
        folder = remote.path or "."

        async def move(sftp: asyncssh.SFTPClient) -> None:
            taken: dict[str, set[str]] = {}
            for item, outcome in items:
                target_folder = posixpath.join(folder, outcome_folder(config, outcome))
                if target_folder not in taken:
                    await sftp.makedirs(target_folder, exist_ok=True)
                    taken[target_folder] = {str(n) for n in await sftp.listdir(target_folder)}
                target = free_name(item.ref, taken[target_folder])
                await replace_file(sftp, posixpath.join(folder, item.ref), posixpath.join(target_folder, target))
                taken[target_folder].add(target)

        run_sftp(remote, config, move)

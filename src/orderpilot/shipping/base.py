"""Interfaces of shipper transports, document formats and return channels (karrio's split: a format
is a pure mapping, a transport or return channel holds the only side effects)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Document:
    """A rendered delivery document. ``filename`` is derived from the delivery note number only."""

    filename: str
    content: bytes
    media_type: str


@runtime_checkable
class DocumentFormat(Protocol):
    name: str
    extension: str
    media_type: str

    def render(self, data: dict[str, Any], *, template: str = "", purpose: str = "delivery_note") -> bytes:
        """Render ``data`` with the shipper's ``template`` (empty: the built-in default)."""
        ...


@runtime_checkable
class Transport(Protocol):
    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """Deliver ``document``; return what the receiver said. Sending the same key twice must
        leave the receiver with one document (same file name, same message id)."""
        ...


@dataclass(frozen=True)
class InboundItem:
    """Something a shipper left on its return channel: a file, or a mail (text + attachments).

    :param ref: where it is on the channel (file name, IMAP UID), for acknowledging it afterwards.
    :param name: a file name checked to be a plain name (no path), or the mail's subject.
    """

    ref: str
    name: str
    content: bytes
    text: str = ""
    attachments: tuple[Document, ...] = ()
    kind: str = "file"  # "file" (FTP/SFTP folder) or "mail" (IMAP)
    problem: str = ""  # the channel could not read it whole (too large …): it goes to quarantine


@runtime_checkable
class ReturnChannel(Protocol):
    """A mailbox or folder the shipper writes confirmations (and stock feeds) into."""

    def fetch(self, config: dict[str, Any], *, limit: int) -> list[InboundItem]:
        """Return up to ``limit`` unprocessed items; raise ``RetryableError`` if the channel is down."""
        ...

    def acknowledge(self, config: dict[str, Any], items: list[tuple[InboundItem, str]]) -> None:
        """Move each item to its outcome folder: ``"done"`` or ``"quarantine"``; never delete."""
        ...

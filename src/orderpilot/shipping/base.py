"""Interfaces of shipper transports and document formats (karrio's split: format = pure mapping,
transport = the only side effect)."""

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
    extension: str
    media_type: str

    def render(self, data: dict[str, Any]) -> bytes: ...


@runtime_checkable
class Transport(Protocol):
    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """Deliver ``document``; return what the receiver said. Sending the same key twice must
        leave the receiver with one document (same file name, same message id)."""
        ...

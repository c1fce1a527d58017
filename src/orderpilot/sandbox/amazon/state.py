"""Everything the simulator remembers, behind one re-entrant lock.

Request handling takes :attr:`SimState.lock` for its whole duration, so every operation sees and
leaves a consistent state; the collections are plain containers for the feature modules.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from .records import OrderRecord


@dataclass
class StoredDocument:
    """A report or feed document as S3 would hold it (the simulator serves it under ``/_s3/``)."""

    document_id: str
    content: bytes
    content_type: str
    compressed: bool  # served gzipped, and the document says compressionAlgorithm GZIP
    uploaded: bool = True


@dataclass
class Report:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    created_time: dt.datetime
    processing_status: str
    data_start_time: str | None = None
    data_end_time: str | None = None
    report_document_id: str | None = None
    processing_start_time: dt.datetime | None = None
    processing_end_time: dt.datetime | None = None


@dataclass
class Feed:
    feed_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    feed_options: dict[str, str]
    created_time: dt.datetime
    processing_status: str = "IN_QUEUE"
    processing_start_time: dt.datetime | None = None
    processing_end_time: dt.datetime | None = None
    result_document_id: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class UploadDestination:
    """An Uploads API destination (``createUploadDestinationForResource``) and what was put there."""

    upload_destination_id: str
    resource: str  # as given, without a leading slash: "messaging/v1/orders/{id}/messages/invoice"
    marketplace_id: str
    content_md5: str  # base64, as declared when the destination was created
    content_type: str | None
    created_time: dt.datetime
    content: bytes = b""
    uploaded_content_type: str = ""
    uploaded: bool = False


@dataclass
class PageCursor:
    """A server-side pagination token: the matching ids, frozen when the first page was served."""

    ids: list[str]
    offset: int
    created: dt.datetime
    extra: dict[str, Any] = field(default_factory=dict)


class SimState:
    """Orders, confirmations, reports, feeds, documents, uploads, solicitations, messages and page tokens."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[str, OrderRecord] = {}
            self.shipment_confirmations: list[dict[str, Any]] = []
            self.rejected_confirmations: list[dict[str, Any]] = []
            self.reports: dict[str, Report] = {}
            self.feeds: dict[str, Feed] = {}
            self.documents: dict[str, StoredDocument] = {}
            self.solicitations: list[dict[str, Any]] = []
            self.messages: list[dict[str, Any]] = []
            self.upload_destinations: dict[str, UploadDestination] = {}
            self.cursors: dict[str, PageCursor] = {}
            self.last_generated: dt.datetime | None = None
            self._ids = itertools.count(50_000_000_001)

    def next_id(self) -> str:
        """A numeric identifier unique within this simulator (report and feed ids are numeric strings)."""
        return str(next(self._ids))

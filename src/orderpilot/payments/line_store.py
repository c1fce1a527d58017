"""Storing the lines of a payout: hundreds of thousands of rows, in constant memory.

Lines are written in chunks of :data:`CHUNK` as the parser yields them. Each line gets its content
checksum (unique: re-imports add nothing) and, when its order id names an order, that order, looked
up once per chunk, so that matching need not update the lines (unless an order was imported between
two chunks). On PostgreSQL a chunk is one ``COPY``, during which the next chunk is read (the server
stores while Python parses); other databases get ``bulk_create``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from django.db import connection

from orderpilot.core.bulk import copy_rows

from .base import PayoutFormatError, SettlementLine
from .models import PayoutImport, PayoutLine
from .selectors import orders_by_ref

CHUNK = 5000

#: the PayoutLine fields a line fills, in the order of the rows built below
FIELDS = (
    "payout_id",
    "checksum",
    "line_number",
    "transaction_type",
    "amount_type",
    "description",
    "category",
    "order_ref",
    "is_refund",
    "amount",
    "posted_at",
    "sku",
    "quantity",
    "order_id",
)


class Occurrences:
    """How often each row content has been seen so far in one payout, in constant memory.

    Identical rows can legitimately repeat (two equal items) and each needs its own checksum: the
    n-th occurrence of a content is numbered n. A Bloom filter of fixed size (8 MiB) remembers which
    contents were seen; only a content it reports as seen before (a true repeat, or rarely a false
    positive) is counted exactly, in a dict. A false positive numbers a first occurrence 2 instead
    of 1: every (content, number) pair stays unique, and a file is numbered the same on every run.
    With 2 million lines, fewer than 2 in 10,000 are false positives.
    """

    def __init__(self) -> None:
        self._filter = bytearray(1 << 23)  # 2**26 bits
        self._repeats: dict[bytes, int] = {}

    def count(self, key: bytes) -> int:
        """Record one more occurrence of the content whose 16-byte digest is ``key``; its number."""
        # four 26-bit positions out of the digest (unrolled: this runs once per line)
        value, bits, mask = int.from_bytes(key, "little"), self._filter, 0x3FFFFFF
        p1, p2, p3, p4 = value & mask, (value >> 26) & mask, (value >> 52) & mask, (value >> 78) & mask
        b1, b2, b3, b4 = 1 << (p1 & 7), 1 << (p2 & 7), 1 << (p3 & 7), 1 << (p4 & 7)
        p1, p2, p3, p4 = p1 >> 3, p2 >> 3, p3 >> 3, p4 >> 3
        if bits[p1] & b1 and bits[p2] & b2 and bits[p3] & b3 and bits[p4] & b4:
            number = self._repeats.get(key, 1) + 1
            self._repeats[key] = number
            return number
        bits[p1] |= b1
        bits[p2] |= b2
        bits[p3] |= b3
        bits[p4] |= b4
        return 1


def store_lines(payout: PayoutImport, items: Iterable) -> int:
    """Store every :class:`SettlementLine` of ``items`` for ``payout`` (just created); their number.

    Raises :class:`PayoutFormatError` for a second summary among the lines.
    """
    chunks = _rows(payout, items)
    chunk = next(chunks, None)
    count = 0
    while chunk is not None:
        rows = _with_orders(payout, chunk)
        count += len(rows)
        if connection.vendor != "postgresql":
            PayoutLine.objects.bulk_create(
                [PayoutLine(**dict(zip(FIELDS, row, strict=True))) for row in rows],
                batch_size=CHUNK,
                ignore_conflicts=True,
            )
            chunk = next(chunks, None)
            continue
        # COPY has no ON CONFLICT, and needs none: a checksum includes the source and settlement id,
        # on which the import is unique, and numbers repeated contents; a clash would be a bug.
        with copy_rows(PayoutLine, FIELDS) as write:
            for row in rows:
                write(row)
            # the next chunk is read while the server still stores this one: both cores at work
            chunk = next(chunks, None)
    return count


def _rows(payout: PayoutImport, items: Iterable) -> Iterator[list[tuple]]:
    """Lists of :data:`CHUNK` rows: the values of ``FIELDS`` but ``order_id``, checksums computed."""
    occurrences = Occurrences()
    prefix = f"{payout.source}\x1f{payout.settlement_id}\x1f"
    sha256, blake2b = hashlib.sha256, hashlib.blake2b
    chunk: list[tuple] = []
    for item in items:
        if not isinstance(item, SettlementLine):
            raise PayoutFormatError("a second summary inside the payout", line=getattr(item, "line_number", None))
        content = item.content
        number = occurrences.count(blake2b(content.encode(), digest_size=16).digest())
        chunk.append(
            (
                payout.pk,
                sha256(f"{prefix}{content}\x1f{number}".encode()).hexdigest(),
                item.line_number,
                item.transaction_type[:64],
                item.amount_type[:64],
                item.description[:200],
                item.category,
                item.order_ref[:64],
                item.is_refund,
                item.amount,
                item.posted_at,
                item.sku[:64],
                item.quantity,
            )
        )
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _with_orders(payout: PayoutImport, chunk: list[tuple]) -> list[tuple]:
    """The rows of ``chunk`` with the pk of the order each names, or ``None``."""
    orders = orders_by_ref(payout.source, {row[7] for row in chunk if row[7]})
    return [(*row, orders.get(row[7])) for row in chunk]

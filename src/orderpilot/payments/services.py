"""Importing settlements/payouts and matching them to orders and invoices.

``import_settlement_file(source, fileobj)`` is what a channel connector calls after downloading an
Amazon settlement report. The whole import is one transaction: lines are stored as the parser
yields them (in chunks, constant memory), then each order's amounts are matched:

- principal + tax + shipping + promotions of the order's non-refund rows are its payment; it is
  ``paid`` only when that agrees with the open amount of its invoices within the tolerance
  (default: to the cent), otherwise a ``payment_difference`` ticket shows both figures;
- refund rows: a credit note unless one exists already, and a negative payment; a full refund
  reverses (cancels) the order;
- fees and other charges are summed per type as expenses;
- ``unmatched_total`` = total − matched − fees must be zero; otherwise a ticket says how much
  no order explains.

Re-importing a settlement changes nothing: the import is unique per (source, settlement id),
lines per content checksum, payments per (source, reference), tickets per problem.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.db import transaction
from django.db.models import Count, Sum

from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.locking import lock_for_update
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import transition_order
from orderpilot.orders.states import ALLOWED_TRANSITIONS, OrderStatus
from orderpilot.orders.timeline import record_event

from .base import PayoutFormatError, PayoutSummary, SettlementLine
from .importers.amazon_settlement import parse_settlement
from .models import (
    Expense,
    LineCategory,
    MatchStatus,
    Payment,
    PaymentKind,
    PayoutImport,
    PayoutLine,
    PayoutOrderMatch,
)
from .settings import payment_settings

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
BUYER_CATEGORIES = (LineCategory.PRINCIPAL, LineCategory.TAX, LineCategory.SHIPPING, LineCategory.PROMOTION)
CHUNK = 500

Parser = Callable[[BinaryIO], Iterator[PayoutSummary | SettlementLine]]


def cents(value) -> Decimal:
    """A database sum as an exact amount (SQLite sums decimals in floating point)."""
    return Decimal(str(value or 0)).quantize(ZERO)


@dataclass(frozen=True)
class ImportResult:
    payout: PayoutImport
    created: bool
    paid: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    refunded: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


def import_settlement_file(source: str, fileobj: BinaryIO, *, actor: Actor = SYSTEM) -> ImportResult:
    """Import an Amazon settlement flat file V2 for ``source`` (the channel code)."""
    return import_payout(source, fileobj, parser=parse_settlement, actor=actor)


def import_payout(source: str, fileobj: BinaryIO, *, parser: Parser, actor: Actor = SYSTEM) -> ImportResult:
    """Import any payout a :class:`~orderpilot.payments.base.PayoutParser` reads, then match it.

    Raises :class:`~orderpilot.payments.base.PayoutFormatError` for a bad file; then nothing is stored.
    """
    reader = _Hashing(fileobj)
    items = iter(parser(reader))
    summary = next(items, None)
    if not isinstance(summary, PayoutSummary):
        raise PayoutFormatError("the payout has no summary")
    with transaction.atomic():
        payout, created = PayoutImport.objects.get_or_create(
            source=source,
            settlement_id=summary.settlement_id,
            defaults={
                "currency": summary.currency,
                "total_amount": summary.total_amount,
                "deposit_date": summary.deposit_date,
                "period_start": summary.period_start,
                "period_end": summary.period_end,
            },
        )
        if not created:
            for _ in items:  # read to the end: a broken repeat is still reported as broken
                pass
            logger.info("payout %s %s was imported before; nothing changes", source, summary.settlement_id)
            return ImportResult(payout=payout, created=False)
        count = _store_lines(payout, items)
        payout.file_sha256 = reader.hexdigest()
        result = _match(payout, actor=actor)
        payout.line_count = count
        payout.save(
            update_fields=["line_count", "file_sha256", "matched_total", "fees_total", "unmatched_total"]
        )
    return result


class _Hashing:
    """Iterate a binary file line by line while computing its SHA-256 (for the import record)."""

    def __init__(self, fileobj: BinaryIO):
        self._file = fileobj
        self._hash = hashlib.sha256()

    def __iter__(self):
        for raw in self._file:
            self._hash.update(raw)
            yield raw

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _store_lines(payout: PayoutImport, items: Iterable) -> int:
    # occurrences per row content, keyed by a 64-bit digest of it rather than the row itself: a few
    # dozen bytes per line instead of a few hundred (500,000 lines: ~35 MB instead of ~140 MB). Two
    # different rows that shared a digest would only number their occurrences together; every
    # (content, occurrence) pair, and so every checksum, stays unique.
    seen: Counter[int] = Counter()
    chunk: list[PayoutLine] = []
    count = 0
    for item in items:
        if not isinstance(item, SettlementLine):
            raise PayoutFormatError(
                "a second summary inside the payout", line=getattr(item, "line_number", None)
            )
        # identical rows can legitimately repeat (two equal items): the occurrence keeps them apart
        key = int.from_bytes(hashlib.blake2b(item.content.encode(), digest_size=8).digest())
        seen[key] += 1
        digest = hashlib.sha256(
            f"{payout.source}\x1f{payout.settlement_id}\x1f{item.content}\x1f{seen[key]}".encode()
        ).hexdigest()
        chunk.append(
            PayoutLine(
                payout=payout,
                checksum=digest,
                line_number=item.line_number,
                transaction_type=item.transaction_type[:64],
                amount_type=item.amount_type[:64],
                description=item.description[:200],
                category=item.category,
                order_ref=item.order_ref[:64],
                is_refund=item.is_refund,
                amount=item.amount,
                posted_at=item.posted_at,
                sku=item.sku[:64],
                quantity=item.quantity,
            )
        )
        count += 1
        if len(chunk) >= CHUNK:
            PayoutLine.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        PayoutLine.objects.bulk_create(chunk, ignore_conflicts=True)
    return count


def _match(payout: PayoutImport, *, actor: Actor) -> ImportResult:
    tolerance = payment_settings().tolerance
    lines = PayoutLine.objects.filter(payout=payout)
    per_order: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"paid": ZERO, "refunded": ZERO, "fees": ZERO}
    )
    for row in (
        lines.exclude(order_ref="")
        .values("order_ref", "category", "is_refund")
        .annotate(total=Sum("amount"))
        .iterator(chunk_size=5000)  # not all rows in the queryset's cache at once (memory)
    ):
        figures = per_order[row["order_ref"]]
        if row["category"] in BUYER_CATEGORIES:
            figures["refunded" if row["is_refund"] else "paid"] += cents(row["total"])
        else:
            figures["fees"] += cents(row["total"])
    fees_total = _record_expenses(payout, lines)
    outcome: dict[str, list[str]] = defaultdict(list)
    matched = ZERO
    for order_ref in sorted(per_order):
        figures = per_order[order_ref]
        order = _find_order(payout.source, order_ref)
        if order is None:
            PayoutOrderMatch.objects.create(
                payout=payout,
                order_ref=order_ref,
                status=MatchStatus.UNKNOWN_ORDER,
                received=figures["paid"],
                refunded=figures["refunded"],
                fees=figures["fees"],
            )
            outcome["unknown"].append(order_ref)
            continue
        PayoutLine.objects.filter(payout=payout, order_ref=order_ref).update(order=order)
        status = _settle_order(payout, order, figures, tolerance=tolerance, actor=actor)
        outcome[status].append(order_ref)
        matched += figures["paid"] + figures["refunded"]
    payout.matched_total = matched
    payout.fees_total = fees_total
    payout.unmatched_total = payout.total_amount - matched - fees_total
    if payout.unmatched_total:
        _ticket_unmatched(payout, unknown=outcome["unknown"])
    return ImportResult(
        payout=payout,
        created=True,
        paid=tuple(outcome[MatchStatus.PAID]),
        differences=tuple(outcome[MatchStatus.DIFFERENCE]),
        refunded=tuple(outcome[MatchStatus.REFUNDED]),
        unknown=tuple(outcome["unknown"]),
    )


def _record_expenses(payout: PayoutImport, lines) -> Decimal:
    """Fees, reserves and other charges (with or without an order) summed per category and type."""
    sums: dict[tuple[str, str], list] = {}
    rows = (
        lines.exclude(category__in=BUYER_CATEGORIES)
        .values("category", "description", "amount_type")
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("category", "description", "amount_type")
    )
    for row in rows:
        entry = sums.setdefault(
            (row["category"], (row["description"] or row["amount_type"] or "-")[:200]), [ZERO, 0]
        )
        entry[0] += cents(row["amount"])
        entry[1] += row["count"]
    Expense.objects.bulk_create(
        Expense(payout=payout, category=category, type=type_, amount=amount, count=count)
        for (category, type_), (amount, count) in sums.items()
    )
    return sum((amount for amount, _ in sums.values()), ZERO)


def _find_order(source: str, order_ref: str) -> SalesOrder | None:
    orders = SalesOrder.objects.filter(external_id=order_ref).select_related("channel")
    same_channel = [order for order in orders if order.channel.code == source]
    if same_channel:
        return same_channel[0]
    amazon = [order for order in orders if order.channel.kind == "amazon"]
    return amazon[0] if len(amazon) == 1 else None


def _settle_order(
    payout: PayoutImport, order: SalesOrder, figures: dict[str, Decimal], *, tolerance: Decimal, actor: Actor
) -> str:
    from orderpilot.invoicing.models import InvoiceKind

    order = lock_for_update(order)
    invoices = list(order.invoices.filter(kind=InvoiceKind.INVOICE).order_by("pk"))
    invoiced = sum((invoice.gross_total for invoice in invoices), ZERO) if invoices else order.total_gross
    before = Payment.objects.filter(order=order, kind=PaymentKind.PAYMENT).aggregate(total=Sum("amount"))
    expected = invoiced - cents(before["total"])
    received, refunded = figures["paid"], figures["refunded"]
    status = MatchStatus.PAID
    if received:
        Payment.objects.create(
            order=order,
            invoice=invoices[0] if invoices else None,
            payout=payout,
            kind=PaymentKind.PAYMENT if received > 0 else PaymentKind.REFUND,
            amount=received,
            currency=payout.currency,
            received_at=payout.deposit_date,
            source=payout.source,
            reference=f"{payout.settlement_id}:{order.external_id}",
        )
        record_event(
            order,
            "payment_received",
            f"{received} {payout.currency} in settlement {payout.settlement_id}",
            actor=actor,
            data={"settlement": payout.settlement_id, "amount": str(received), "expected": str(expected)},
        )
        if abs(received - expected) <= tolerance:
            _mark_paid(order, payout, actor=actor)
        else:
            status = MatchStatus.DIFFERENCE
            _ticket_difference(order, payout, expected=expected, received=received)
    if refunded:
        _refund(order, payout, invoices, amount=-refunded, actor=actor)
        status = MatchStatus.REFUNDED
    PayoutOrderMatch.objects.create(
        payout=payout,
        order_ref=order.external_id,
        order=order,
        status=status,
        expected=expected,
        received=received,
        refunded=refunded,
        fees=figures["fees"],
    )
    return status


def _mark_paid(order: SalesOrder, payout: PayoutImport, *, actor: Actor) -> None:
    from orderpilot.tickets.services import close_tickets_for_problem

    if OrderStatus.PAID in ALLOWED_TRANSITIONS[OrderStatus(order.status)]:
        transition_order(order, OrderStatus.PAID, actor=actor, reason=f"settlement {payout.settlement_id}")
    close_tickets_for_problem(
        f"payment:{order.pk}", actor=actor, resolution=f"paid in full ({payout.settlement_id})"
    )


def _ticket_difference(
    order: SalesOrder, payout: PayoutImport, *, expected: Decimal, received: Decimal
) -> None:
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    currency = payout.currency
    open_ticket(
        order=order,
        reason=TicketReason.PAYMENT_DIFFERENCE,
        problem_key=f"payment:{order.pk}",
        title=f"{order.channel.code} {order.external_id}: paid {received} {currency}, "
        f"expected {expected} {currency}",
        body=(
            f"Settlement {payout.settlement_id} ({payout.source}) paid {received} {currency} for this order; "
            f"the open invoice amount is {expected} {currency}; difference {received - expected} {currency}."
        ),
    )


def _refund(
    order: SalesOrder, payout: PayoutImport, invoices: list, *, amount: Decimal, actor: Actor
) -> None:
    """``amount`` (positive) went back to the buyer: credit note if none covers it, negative payment,
    and a full refund reverses the order."""
    from orderpilot.invoicing.services import credited_total, issue_credit_note

    reason = f"Erstattung über / refund via {order.channel.get_kind_display()} ({payout.settlement_id})"
    remaining = amount
    for invoice in invoices:
        if remaining <= 0:
            break
        if invoice.corrections.exists():
            remaining -= min(remaining, credited_total(invoice))
            continue
        credit = issue_credit_note(invoice, reason=reason, amount=remaining, actor=actor)
        if credit is not None:
            remaining += credit.gross_total
    Payment.objects.create(
        order=order,
        invoice=invoices[0] if invoices else None,
        payout=payout,
        kind=PaymentKind.REFUND,
        amount=-amount,
        currency=payout.currency,
        received_at=payout.deposit_date,
        source=payout.source,
        reference=f"{payout.settlement_id}:{order.external_id}:refund",
    )
    record_event(
        order,
        "refund_paid",
        f"{amount} {payout.currency} refunded in settlement {payout.settlement_id}",
        actor=actor,
        data={"settlement": payout.settlement_id, "amount": str(amount)},
    )
    invoiced = sum((invoice.gross_total for invoice in invoices), ZERO) if invoices else order.total_gross
    refunds = -cents(
        Payment.objects.filter(order=order, kind=PaymentKind.REFUND).aggregate(t=Sum("amount"))["t"]
    )
    if refunds >= invoiced and OrderStatus.CANCELLED in ALLOWED_TRANSITIONS[OrderStatus(order.status)]:
        transition_order(
            order, OrderStatus.CANCELLED, actor=actor, reason=f"refunded in full ({payout.settlement_id})"
        )


def _ticket_unmatched(payout: PayoutImport, *, unknown: list[str]) -> None:
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    body = (
        f"Total {payout.total_amount} {payout.currency}, matched to orders {payout.matched_total}, "
        f"fees and charges {payout.fees_total}: {payout.unmatched_total} {payout.currency} unexplained."
    )
    if unknown:
        body += "\nOrder ids that are no order here: " + ", ".join(unknown)
    open_ticket(
        reason=TicketReason.PAYMENT_DIFFERENCE,
        problem_key=f"payout:{payout.pk}:unmatched",
        title=f"{payout.source} settlement {payout.settlement_id}: "
        f"{payout.unmatched_total} {payout.currency} unmatched",
        body=body,
    )

"""Importing settlements/payouts and matching them to orders and invoices.

``import_settlement_file(source, fileobj)`` is what a channel connector calls after downloading an
Amazon settlement report. The whole import is one transaction: lines are stored as the parser
yields them (in chunks, constant memory: see ``line_store``), then the orders' amounts are matched,
a few hundred orders at a time with a fixed number of statements per batch (their orders locked
and read together, payments, timeline entries and matches inserted together, the orders paid in
full moved to ``paid`` together); refunds and differences, the rare cases, go order by order:

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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.bulk import insert_rows
from orderpilot.invoicing.models import Invoice, InvoiceKind
from orderpilot.orders.models import OrderEvent, SalesOrder
from orderpilot.orders.services import transition_order, transition_orders
from orderpilot.orders.states import ALLOWED_TRANSITIONS, OrderStatus
from orderpilot.orders.timeline import EVENT_FIELDS, record_event

from .base import PayoutFormatError, PayoutSummary, SettlementLine
from .importers.amazon_settlement import parse_settlement
from .line_store import store_lines
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
from .selectors import IN_CHUNK, orders_by_ref
from .settings import payment_settings

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
BUYER_CATEGORIES = (LineCategory.PRINCIPAL, LineCategory.TAX, LineCategory.SHIPPING, LineCategory.PROMOTION)
MATCH_CHUNK = 500  # order ids matched together (IN lists stay below SQLite's 999 parameters)
FETCH_ROWS = 5000  # rows per round trip when reading the sums per order
# the columns of the rows _settle_batch inserts (see bulk.insert_rows)
PAYMENT_FIELDS = (
    "order_id", "invoice_id", "payout_id", "kind", "amount", "currency", "received_at", "source", "reference",
    "created_at",
)
MATCH_FIELDS = ("payout_id", "order_ref", "order_id", "status", "expected", "received", "refunded", "fees")

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
    return store_lines(payout, items)


@dataclass
class _OrderFigures:
    """What a payout says about one order id: the sums of its lines, and the order they point at."""

    order_ref: str
    order_id: int | None
    paid: Decimal
    refunded: Decimal
    fees: Decimal
    #: its lines point at different orders (or some at none): an order was imported between the
    #: look-ups of two chunks of lines, and the order id must be looked up again
    split: bool = False


def _match(payout: PayoutImport, *, actor: Actor) -> ImportResult:
    tolerance = payment_settings().tolerance
    fees_total = _record_expenses(payout, PayoutLine.objects.filter(payout=payout))
    outcome: dict[str, list[str]] = defaultdict(list)
    matched = ZERO
    for batch in _order_figures(payout):
        matched += _settle_batch(payout, batch, tolerance=tolerance, actor=actor, outcome=outcome)
    payout.matched_total = matched
    payout.fees_total = fees_total
    payout.unmatched_total = payout.total_amount - matched - fees_total
    unknown = sorted(outcome["unknown"])  # the database's order of ids may not be Python's
    if payout.unmatched_total:
        _ticket_unmatched(payout, unknown=unknown)
    return ImportResult(
        payout=payout,
        created=True,
        paid=tuple(sorted(outcome[MatchStatus.PAID])),
        differences=tuple(sorted(outcome[MatchStatus.DIFFERENCE])),
        refunded=tuple(sorted(outcome[MatchStatus.REFUNDED])),
        unknown=tuple(unknown),
    )


def _order_figures(payout: PayoutImport) -> Iterator[list[_OrderFigures]]:
    """Each order id's sums, ``MATCH_CHUNK`` order ids at a time (in the database's order of ids).

    One query, one row per order id, read in chunks (a server-side cursor on PostgreSQL): memory
    stays flat however long the payout.
    """
    buyer = Q(category__in=BUYER_CATEGORIES)
    rows = (
        PayoutLine.objects.filter(payout=payout, order_ref__gt="")  # lines without an order id are no order's
        .values("order_ref")
        .annotate(
            paid=Sum("amount", filter=buyer & Q(is_refund=False)),
            refunded=Sum("amount", filter=buyer & Q(is_refund=True)),
            fees=Sum("amount", filter=~buyer),
            first_order=Min("order"),
            last_order=Max("order"),
            without_order=Count("pk", filter=Q(order__isnull=True)),
        )
        .order_by("order_ref")
        .iterator(chunk_size=FETCH_ROWS)
    )
    batch: list[_OrderFigures] = []
    for row in rows:
        order_id = row["first_order"]
        batch.append(
            _OrderFigures(
                order_ref=row["order_ref"],
                order_id=order_id,
                paid=cents(row["paid"]),
                refunded=cents(row["refunded"]),
                fees=cents(row["fees"]),
                split=order_id != row["last_order"] or (order_id is not None and row["without_order"] > 0),
            )
        )
        if len(batch) >= MATCH_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _settle_batch(
    payout: PayoutImport,
    batch: list[_OrderFigures],
    *,
    tolerance: Decimal,
    actor: Actor,
    outcome: dict[str, list[str]],
) -> Decimal:
    """Match a batch of order ids: a fixed number of statements, plus one per refund or difference.

    Returns the amount booked to their orders.
    """
    # the lines got their order when they were stored (``line_store``)
    for figures in batch:
        if figures.split:
            figures.order_id = orders_by_ref(payout.source, [figures.order_ref]).get(figures.order_ref)
            PayoutLine.objects.filter(payout=payout, order_ref=figures.order_ref).update(order=figures.order_id)
    ids = sorted({figures.order_id for figures in batch if figures.order_id is not None})
    # the orders' row locks, taken in one statement (in pk order, as every batch does)
    orders = {
        pk: (pk, status, external_id, total_gross)
        for pk, status, external_id, total_gross in SalesOrder.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "status", "external_id", "total_gross")
    }
    invoices: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for order_id, invoice_id, gross in (
        Invoice.objects.filter(order__in=ids, kind=InvoiceKind.INVOICE)
        .order_by("order_id", "pk")
        .values_list("order_id", "pk", "gross_total")
    ):
        invoices[order_id].append((invoice_id, gross))
    paid_before = dict(
        Payment.objects.filter(order__in=ids, kind=PaymentKind.PAYMENT)
        .values("order")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("order", "total")
    )
    now = timezone.now()
    payments: list[tuple] = []
    events: list[tuple] = []
    matches: list[tuple] = []
    in_full: list[tuple[int, str]] = []
    differences: list[tuple[int, Decimal, Decimal]] = []
    refunds: list[tuple[int, Decimal]] = []
    matched = ZERO
    for figures in batch:
        received, refunded = figures.paid, figures.refunded
        order = orders.get(figures.order_id) if figures.order_id is not None else None
        if order is None:
            matches.append(
                (payout.pk, figures.order_ref, None, MatchStatus.UNKNOWN_ORDER, ZERO, received, refunded, figures.fees)
            )
            outcome["unknown"].append(figures.order_ref)
            continue
        pk, order_status, external_id, total_gross = order
        own = invoices.get(pk, [])
        invoiced = sum((gross for _, gross in own), ZERO) if own else total_gross
        expected = invoiced - cents(paid_before.get(pk))
        status = MatchStatus.PAID
        if received:
            kind = PaymentKind.PAYMENT if received > 0 else PaymentKind.REFUND
            reference = f"{payout.settlement_id}:{external_id}"
            invoice_id = own[0][0] if own else None
            payments.append(
                (pk, invoice_id, payout.pk, kind, received, payout.currency, payout.deposit_date, payout.source,
                 reference, now)
            )
            message = f"{received} {payout.currency} in settlement {payout.settlement_id}"
            data = {"settlement": payout.settlement_id, "amount": str(received), "expected": str(expected)}
            events.append((pk, now, "payment_received", message, actor.name, data))
            if abs(received - expected) <= tolerance:
                in_full.append((pk, order_status))
            else:
                status = MatchStatus.DIFFERENCE
                differences.append((pk, expected, received))
        if refunded:
            refunds.append((pk, -refunded))
            status = MatchStatus.REFUNDED
        matches.append((payout.pk, external_id, pk, status, expected, received, refunded, figures.fees))
        outcome[status].append(external_id)
        matched += received + refunded
    # the same effects, in the same order per order, as settling the orders one by one: its payment
    # and timeline entry, then paid (or the difference ticket), then the refund
    insert_rows(Payment, PAYMENT_FIELDS, payments)  # paid before (same reference): IntegrityError
    insert_rows(OrderEvent, EVENT_FIELDS, events)
    _mark_paid(in_full, payout, actor=actor)
    for pk, expected, received in differences:
        _ticket_difference(_full_order(pk), payout, expected=expected, received=received)
    for pk, amount in refunds:
        order = _full_order(pk)
        own_invoices = list(order.invoices.filter(kind=InvoiceKind.INVOICE).order_by("pk"))
        _refund(order, payout, own_invoices, amount=amount, actor=actor)
    insert_rows(PayoutOrderMatch, MATCH_FIELDS, matches)
    return matched


def _full_order(pk: int) -> SalesOrder:
    """An order of the batch (locked already), whole, for the services that take one order."""
    return SalesOrder.objects.select_related("channel").get(pk=pk)


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


def _mark_paid(orders: list[tuple[int, str]], payout: PayoutImport, *, actor: Actor) -> None:
    """Orders ``(pk, status)`` paid in full: to ``paid`` where the table allows; payment tickets closed."""
    from orderpilot.tickets.models import OPEN_STATUSES, Ticket
    from orderpilot.tickets.services import close_ticket

    movable = [(pk, status) for pk, status in orders if OrderStatus.PAID in ALLOWED_TRANSITIONS[OrderStatus(status)]]
    transition_orders(movable, OrderStatus.PAID, actor=actor, reason=f"settlement {payout.settlement_id}")
    keys = [f"payment:{pk}" for pk, _ in orders]
    for start in range(0, len(keys), IN_CHUNK):
        tickets = Ticket.objects.filter(problem_key__in=keys[start : start + IN_CHUNK], status__in=OPEN_STATUSES)
        for ticket in tickets.order_by("pk"):
            close_ticket(ticket, actor=actor, resolution=f"paid in full ({payout.settlement_id})")


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

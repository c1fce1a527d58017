"""Read queries of the cockpit: the board, the documents, the work queues.

Everything a page shows comes from here, fetched in a fixed number of queries per page (annotations
and prefetches, never one query per row). The board pages by keyset on ``(sort key, id)`` and counts
at most :data:`COUNT_LIMIT` rows, so it stays fast with a million orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    DateTimeField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderpilot.channels.models import Channel
from orderpilot.core.models import OutboxMessage, OutboxStatus
from orderpilot.customers.matching import email_key
from orderpilot.customers.models import Customer
from orderpilot.invoicing.models import Invoice, InvoiceDocument, InvoiceKind
from orderpilot.orders.models import HoldReason, HoldStatus, OrderEvent, SalesOrder
from orderpilot.orders.states import BEFORE_SHIPMENT, OrderStatus
from orderpilot.payments.models import Payment
from orderpilot.shipping.models import Package, Shipment, ShipmentDocument, ShipmentStatus, Shipper, ShipperKind
from orderpilot.tickets.models import OPEN_STATUSES, Ticket, TicketComment, TicketReason, TicketStatus

PAGE_SIZE = 50
#: The board counts matching orders up to this number and shows "more than …" beyond it.
COUNT_LIMIT = 1000
#: Customers a name search turns into a plain id list (an index lookup); more become a subquery.
CUSTOMER_ID_LIMIT = 5000
#: Payment differences are looked for among orders with a payment received in this many days.
DIFFERENCE_DAYS = 90
MONEY = DecimalField(max_digits=14, decimal_places=2)
FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
NOT_YET_SHIPPED = sorted(BEFORE_SHIPMENT)
FAILURE_REASONS = (TicketReason.DELIVERY_FAILURE, TicketReason.MARKETPLACE_ERROR, TicketReason.PROCESSING_ERROR)


class Problem:
    """The board's problem filter: what a person has to look at."""

    ON_HOLD = "on_hold"
    OVERDUE = "overdue"
    UNPAID = "unpaid"
    FAILED_DELIVERY = "failed_delivery"

    choices = [
        (ON_HOLD, _("on hold")),
        (OVERDUE, _("overdue")),
        (UNPAID, _("unpaid")),
        (FAILED_DELIVERY, _("failed delivery")),
    ]


class PaymentState:
    NOT_INVOICED = "not_invoiced"
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    CANCELLED = "cancelled"

    labels = {
        NOT_INVOICED: _("not invoiced"),
        UNPAID: _("unpaid"),
        PARTLY_PAID: _("partly paid"),
        PAID: _("paid"),
        OVERPAID: _("overpaid"),
        CANCELLED: _("cancelled"),
    }


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool
    kind: str  # "datetime" or "decimal"
    label: Any


SORTS: dict[str, Sort] = {
    "newest": Sort("ordered_at", True, "datetime", _("newest first")),
    "oldest": Sort("ordered_at", False, "datetime", _("oldest first")),
    "ship_by": Sort("ship_key", False, "datetime", _("ship-by date, soonest first")),
    "total_desc": Sort("total_gross", True, "decimal", _("highest total first")),
    "total_asc": Sort("total_gross", False, "decimal", _("lowest total first")),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class BoardQuery:
    q: str = ""
    status: str = ""
    channel: str = ""
    shipper: str = ""
    problem: str = ""
    customer: int | None = None
    sort: str = DEFAULT_SORT

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.status or self.channel or self.shipper or self.problem or self.customer)


@dataclass
class BoardPage:
    rows: list[SalesOrder]
    count: int
    count_capped: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- the board ----------------------------------------------------------------------------------


def order_search_q(text: str) -> Q:
    """Orders matching ``text``: external id, customer name (part) or email, tracking or invoice number.

    The exact lookups run first, each on an index, and come back as id lists, so the final query is a
    plain ``id IN (…) OR customer_id IN (…)`` the database answers from its indexes.
    """
    text = text.strip()
    if not text:
        return Q()
    variants = sorted({text, text.upper(), text.lower()})
    channel_ids = list(Channel.objects.values_list("pk", flat=True))
    order_ids = set(
        SalesOrder.objects.filter(channel_id__in=channel_ids, external_id__in=variants).values_list("pk", flat=True)
    )
    order_ids.update(
        Package.objects.filter(tracking_number__in=variants).values_list("shipment__order_id", flat=True)
    )
    order_ids.update(Invoice.objects.filter(number__in=variants).values_list("order_id", flat=True))
    customers = Customer.objects.filter(Q(name__icontains=text) | Q(email_key=email_key(text)) if "@" in text
                                        else Q(name__icontains=text))
    customer_ids: Any = list(customers.values_list("pk", flat=True)[: CUSTOMER_ID_LIMIT + 1])
    if len(customer_ids) > CUSTOMER_ID_LIMIT:
        customer_ids = customers.values("pk")
    return Q(pk__in=sorted(order_ids)) | Q(customer_id__in=customer_ids)


def problem_q(problem: str, *, now: dt.datetime) -> Q:
    """The board's problem filter. Rare problems are looked up first (each on an index) and become an id
    list, so the orders table is never scanned row by row for them."""
    if problem == Problem.ON_HOLD:
        return Q(status=OrderStatus.ON_HOLD)
    if problem == Problem.OVERDUE:
        late_confirmation = Shipment.objects.filter(status=ShipmentStatus.TRANSMITTED, deadline_at__lt=now)
        ids = sorted(set(late_confirmation.values_list("order_id", flat=True)))
        return Q(pk__in=ids) | Q(ship_by__lt=now, status__in=NOT_YET_SHIPPED)
    if problem == Problem.UNPAID:
        return Q(status=OrderStatus.INVOICED)
    if problem == Problem.FAILED_DELIVERY:
        ids = set(
            OutboxMessage.objects.filter(status=OutboxStatus.DEAD, order__isnull=False).values_list(
                "order_id", flat=True
            )
        )
        ids.update(
            Ticket.objects.filter(status__in=OPEN_STATUSES, reason__in=FAILURE_REASONS, order__isnull=False)
            .values_list("order_id", flat=True)
        )
        return Q(pk__in=sorted(ids))
    return Q()


def board_orders(query: BoardQuery, *, now: dt.datetime | None = None) -> QuerySet:
    """The orders the board shows for ``query``, filtered but neither sorted nor annotated."""
    now = now or timezone.now()
    orders = SalesOrder.objects.all()
    if query.status:
        orders = orders.filter(status=query.status)
    if query.channel:
        orders = orders.filter(channel__code=query.channel)
    if query.shipper:
        orders = orders.filter(Exists(Shipment.objects.filter(order=OuterRef("pk"), shipper__code=query.shipper)))
    if query.customer:
        orders = orders.filter(customer_id=query.customer)
    if query.problem:
        orders = orders.filter(problem_q(query.problem, now=now))
    if query.q:
        orders = orders.filter(order_search_q(query.q))
    return orders


def with_board_columns(orders: QuerySet) -> QuerySet:
    """Everything a board row shows, in a fixed number of queries whatever the page size."""
    invoices = Invoice.objects.filter(order=OuterRef("pk"))
    return orders.select_related("channel", "customer").annotate(
        invoice_number=Subquery(
            invoices.filter(kind=InvoiceKind.INVOICE).order_by("-issued_at", "-pk").values("number")[:1]
        ),
        invoiced_total=Subquery(
            invoices.order_by().values("order").annotate(total=Sum("gross_total")).values("total"), output_field=MONEY
        ),
        paid_amount=Subquery(
            Payment.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(total=Sum("amount"))
            .values("total"),
            output_field=MONEY,
        ),
    ).prefetch_related(
        Prefetch("hold_reasons", queryset=HoldReason.objects.filter(status=HoldStatus.ACTIVE), to_attr="active_holds"),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.exclude(status=ShipmentStatus.CANCELLED)
            .select_related("shipper")
            .prefetch_related("packages")
            .order_by("pk"),
            to_attr="live_shipments",
        ),
    )


def _with_sort_key(orders: QuerySet, sort: Sort) -> QuerySet:
    if sort.key == "ship_key":
        return orders.annotate(ship_key=Coalesce("ship_by", Value(FAR_FUTURE, output_field=DateTimeField())))
    return orders


def _ordered(orders: QuerySet, sort: Sort, *, reverse: bool = False) -> QuerySet:
    prefix = "-" if sort.descending != reverse else ""
    return orders.order_by(f"{prefix}{sort.key}", f"{prefix}pk")


def encode_cursor(order: SalesOrder, sort: Sort) -> str:
    value = getattr(order, sort.key)
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return f"{text}~{order.pk}"


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int] | None:
    """``(value, id)`` from a cursor, or ``None`` for anything malformed (the first page is shown)."""
    text, _sep, pk = cursor.rpartition("~")
    try:
        value: Any = dt.datetime.fromisoformat(text) if sort.kind == "datetime" else Decimal(text)
        return value, int(pk)
    except (ValueError, InvalidOperation):
        return None


def _after(orders: QuerySet, sort: Sort, cursor: tuple[Any, int], *, backwards: bool) -> QuerySet:
    value, pk = cursor
    descending = sort.descending != backwards
    op = "lt" if descending else "gt"
    return orders.filter(Q(**{f"{sort.key}__{op}": value}) | Q(**{sort.key: value, f"pk__{op}": pk}))


def board_page(
    query: BoardQuery,
    *,
    after: str = "",
    before: str = "",
    now: dt.datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> BoardPage:
    """One page of the board: ``page_size`` orders after (or before) a cursor, and a bounded count."""
    sort = SORTS.get(query.sort, SORTS[DEFAULT_SORT])
    orders = board_orders(query, now=now)
    count = orders.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    cursor = decode_cursor(before, sort) if before else decode_cursor(after, sort) if after else None
    backwards = bool(before) and cursor is not None
    listed = _with_sort_key(orders, sort)
    if cursor is not None:
        listed = _after(listed, sort, cursor, backwards=backwards)
    listed = _ordered(listed, sort, reverse=backwards)
    rows = list(with_board_columns(listed)[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    page = BoardPage(rows=rows, count=min(count, COUNT_LIMIT), count_capped=count > COUNT_LIMIT)
    if rows:
        has_next = more if not backwards else True
        has_previous = (cursor is not None) if not backwards else more
        page.next_cursor = encode_cursor(rows[-1], sort) if has_next else ""
        page.previous_cursor = encode_cursor(rows[0], sort) if has_previous else ""
    _mark(rows, now=now or timezone.now())
    return page


def _mark(orders: list[SalesOrder], *, now: dt.datetime) -> None:
    """Per-row facts computed from what was fetched: payment state, late shipment."""
    for order in orders:
        order.payment_state = payment_state(order)
        order.is_late = bool(order.ship_by and order.ship_by < now and order.status in NOT_YET_SHIPPED)


def payment_state(order: SalesOrder) -> str:
    """Where the money of ``order`` stands, from its status, its invoices and the payments received."""
    if order.status == OrderStatus.CANCELLED:
        return PaymentState.CANCELLED
    paid = order.paid_amount or Decimal("0")
    if order.status in (OrderStatus.PAID, OrderStatus.COMPLETED) and not order.invoiced_total:
        return PaymentState.PAID
    if order.invoiced_total is None:
        return PaymentState.NOT_INVOICED if not paid else _compare(paid, order.total_gross)
    return _compare(paid, order.invoiced_total)


def _compare(paid: Decimal, due: Decimal) -> str:
    if paid <= 0:
        return PaymentState.UNPAID
    if paid < due:
        return PaymentState.PARTLY_PAID
    if paid > due:
        return PaymentState.OVERPAID
    return PaymentState.PAID


def board_choices() -> dict[str, list]:
    return {
        "statuses": OrderStatus.choices,
        "channels": list(Channel.objects.order_by("code").values_list("code", flat=True)),
        "shippers": list(Shipper.objects.order_by("code").values_list("code", flat=True)),
        "problems": Problem.choices,
        "sorts": [(key, sort.label) for key, sort in SORTS.items()],
    }


# --- needs attention ----------------------------------------------------------------------------


@dataclass
class Section:
    rows: list
    count: int
    capped: bool


def _section(queryset: QuerySet, limit: int) -> Section:
    count = queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    return Section(rows=list(queryset[:limit]), count=min(count, COUNT_LIMIT), capped=count > COUNT_LIMIT)


def held_orders() -> QuerySet:
    return (
        SalesOrder.objects.filter(status=OrderStatus.ON_HOLD)
        .select_related("channel", "customer")
        .prefetch_related(
            Prefetch(
                "hold_reasons", queryset=HoldReason.objects.filter(status=HoldStatus.ACTIVE), to_attr="active_holds"
            ),
            Prefetch("tickets", queryset=Ticket.objects.filter(status__in=OPEN_STATUSES), to_attr="open_tickets"),
        )
        .order_by("ordered_at", "pk")
    )


def overdue_shipments(*, now: dt.datetime | None = None) -> QuerySet:
    """Delivery notes whose shipper has not confirmed them by the deadline, with their open ticket."""
    now = now or timezone.now()
    overdue_ticket = Ticket.objects.filter(
        problem_key=Concat(Value("overdue:"), OuterRef("number")), status__in=OPEN_STATUSES
    )
    return (
        Shipment.objects.filter(status=ShipmentStatus.TRANSMITTED, deadline_at__lt=now)
        .select_related("order__channel", "order__customer", "shipper")
        .annotate(ticket_id=Subquery(overdue_ticket.values("pk")[:1]))
        .order_by("deadline_at", "pk")
    )


def late_orders(*, now: dt.datetime | None = None) -> QuerySet:
    """Orders past their ship-by date that have not shipped."""
    now = now or timezone.now()
    return (
        SalesOrder.objects.filter(ship_by__lt=now, status__in=NOT_YET_SHIPPED)
        .select_related("channel", "customer")
        .order_by("ship_by", "pk")
    )


def dead_messages() -> QuerySet:
    return OutboxMessage.objects.filter(status=OutboxStatus.DEAD).select_related("order__channel").order_by(
        "-next_attempt_at", "-pk"
    )


def failure_tickets() -> QuerySet:
    return open_tickets().filter(reason__in=FAILURE_REASONS)


def payment_difference_tickets() -> QuerySet:
    return open_tickets().filter(reason=TicketReason.PAYMENT_DIFFERENCE)


def open_tickets() -> QuerySet:
    return (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .select_related("order__channel", "order__customer", "assignee")
        .order_by("priority", "created_at", "pk")
    )


def payment_differences(*, since: dt.datetime) -> QuerySet:
    """Orders with money received since ``since`` whose payments do not add up to what is due.

    Due is the sum of the order's invoices and credit notes, or the order total while there is no
    invoice. ``difference`` is received minus due: negative means money is missing.
    """
    recent = Payment.objects.filter(received_at__gte=since, order__isnull=False).values("order_id")
    received = Subquery(
        Payment.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(total=Sum("amount"))
        .values("total"),
        output_field=MONEY,
    )
    invoiced = Subquery(
        Invoice.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(total=Sum("gross_total"))
        .values("total"),
        output_field=MONEY,
    )
    return (
        SalesOrder.objects.filter(pk__in=recent)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(received=received, due=Coalesce(invoiced, F("total_gross"), output_field=MONEY))
        .annotate(difference=F("received") - F("due"))
        .exclude(difference=0)
        .select_related("channel", "customer")
        .order_by("pk")
    )


@dataclass
class Attention:
    held: Section
    overdue: Section
    late: Section
    dead: Section
    failures: Section
    payment_tickets: Section
    payment_differences: Section

    @property
    def total(self) -> int:
        return sum(
            s.count
            for s in (
                self.held, self.overdue, self.late, self.dead, self.failures, self.payment_tickets,
                self.payment_differences,
            )
        )


def needs_attention(*, limit: int = 10, now: dt.datetime | None = None, differences: bool = True) -> Attention:
    """What a person must do now. ``differences=False`` leaves out the computed payment differences (a scan
    of the recent payments), for the board's summary that is loaded with every visit."""
    now = now or timezone.now()
    return Attention(
        held=_section(held_orders(), limit),
        overdue=_section(overdue_shipments(now=now), limit),
        late=_section(late_orders(now=now), limit),
        dead=_section(dead_messages(), limit),
        failures=_section(failure_tickets(), limit),
        payment_tickets=_section(payment_difference_tickets(), limit),
        payment_differences=(
            _section(payment_differences(since=now - dt.timedelta(days=DIFFERENCE_DAYS)), limit)
            if differences
            else Section(rows=[], count=0, capped=False)
        ),
    )


# --- documents ----------------------------------------------------------------------------------


def order_page(pk: int) -> SalesOrder | None:
    """An order with everything its page shows: lines, holds, shipments, invoices, payments, tickets,
    the timeline and the outbox."""
    return (
        SalesOrder.objects.select_related("channel", "customer")
        .prefetch_related(
            "lines",
            Prefetch("hold_reasons", queryset=HoldReason.objects.select_related("resolved_by"), to_attr="all_holds"),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("shipper").prefetch_related("packages").order_by("pk"),
                to_attr="all_shipments",
            ),
            Prefetch("invoices", queryset=_invoices_with_document(), to_attr="all_invoices"),
            Prefetch("payments", queryset=Payment.objects.order_by("received_at", "pk"), to_attr="all_payments"),
            Prefetch("tickets", queryset=Ticket.objects.order_by("-created_at", "-pk"), to_attr="all_tickets"),
            Prefetch("events", queryset=OrderEvent.objects.order_by("at", "pk"), to_attr="timeline"),
            Prefetch(
                "outbox_messages", queryset=OutboxMessage.objects.order_by("created_at", "pk"), to_attr="messages"
            ),
        )
        .filter(pk=pk)
        .first()
    )


def _invoices_with_document() -> QuerySet:
    return Invoice.objects.annotate(
        has_document=Exists(InvoiceDocument.objects.filter(invoice=OuterRef("pk")))
    ).order_by("issued_at", "pk")


def shipment_page(number: str) -> Shipment | None:
    return (
        Shipment.objects.select_related("order__channel", "order__customer", "shipper")
        .prefetch_related(
            "packages",
            Prefetch(
                "lines__order_line",
            ),
            Prefetch(
                "documents",
                queryset=ShipmentDocument.objects.defer("content").order_by("pk"),
                to_attr="stored_documents",
            ),
            Prefetch("invoices", queryset=Invoice.objects.order_by("pk"), to_attr="shipment_invoices"),
        )
        .filter(number=number)
        .first()
    )


def invoice_page(number: str) -> Invoice | None:
    return (
        _invoices_with_document()
        .select_related("order__channel", "order__customer", "shipment", "refers")
        .prefetch_related("lines", "corrections", Prefetch("payments", queryset=Payment.objects.order_by("pk")))
        .filter(number=number)
        .first()
    )


def invoice_xml(number: str) -> bytes | None:
    document = InvoiceDocument.objects.filter(invoice__number=number).only("xml").first()
    return bytes(document.xml) if document else None


@dataclass
class PaymentSummary:
    order: SalesOrder
    invoices: list[Invoice]
    payments: list[Payment]
    due: Decimal
    received: Decimal

    @property
    def difference(self) -> Decimal:
        return self.received - self.due


def order_payments(pk: int) -> PaymentSummary | None:
    order = SalesOrder.objects.select_related("channel", "customer").filter(pk=pk).first()
    if order is None:
        return None
    invoices = list(Invoice.objects.filter(order=order).order_by("issued_at", "pk"))
    payments = list(Payment.objects.filter(order=order).select_related("invoice").order_by("received_at", "pk"))
    due = sum((i.gross_total for i in invoices), Decimal("0")) if invoices else order.total_gross
    received = sum((p.amount for p in payments), Decimal("0"))
    return PaymentSummary(order=order, invoices=invoices, payments=payments, due=due, received=received)


def customer_page(pk: int, *, order_limit: int = 100) -> tuple[Customer, list[SalesOrder], bool, list[Ticket]] | None:
    customer = Customer.objects.prefetch_related("addresses", "channel_numbers__channel").filter(pk=pk).first()
    if customer is None:
        return None
    orders = list(
        with_board_columns(SalesOrder.objects.filter(customer=customer)).order_by("-ordered_at", "-pk")[
            : order_limit + 1
        ]
    )
    _mark(orders, now=timezone.now())
    tickets = list(
        Ticket.objects.filter(order__customer=customer).select_related("order", "assignee").order_by("-created_at")
    )
    return customer, orders[:order_limit], len(orders) > order_limit, tickets


# --- tickets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketQuery:
    status: str = "open"  # open (open + waiting), closed, all
    reason: str = ""
    assignee: str = ""  # "", "me", "nobody"
    q: str = ""


def ticket_list(query: TicketQuery, *, user, offset: int = 0, page_size: int = PAGE_SIZE) -> tuple[list[Ticket], bool]:
    """A page of tickets and whether more follow (no count over the whole table)."""
    tickets = Ticket.objects.select_related("order__channel", "order__customer", "assignee")
    if query.status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif query.status in TicketStatus.values:
        tickets = tickets.filter(status=query.status)
    if query.reason:
        tickets = tickets.filter(reason=query.reason)
    if query.assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif query.assignee == "nobody":
        tickets = tickets.filter(assignee__isnull=True)
    if query.q:
        text = query.q.strip()
        tickets = tickets.filter(Q(title__icontains=text) | Q(order__external_id=text))
    rows = list(tickets.order_by("priority", "-created_at", "-pk")[offset : offset + page_size + 1])
    return rows[:page_size], len(rows) > page_size


def ticket_page(pk: int) -> Ticket | None:
    return (
        Ticket.objects.select_related("assignee", "order")
        .prefetch_related(Prefetch("comments", queryset=TicketComment.objects.order_by("created_at", "pk")))
        .filter(pk=pk)
        .first()
    )


# --- packing ------------------------------------------------------------------------------------


def packing_queue() -> QuerySet:
    """Delivery notes of the in-house warehouse waiting to be packed, oldest deadline first."""
    return (
        Shipment.objects.filter(shipper__kind=ShipperKind.IN_HOUSE, status=ShipmentStatus.TRANSMITTED)
        .select_related("order__channel", "order__customer", "shipper")
        .prefetch_related("lines__order_line", "packages")
        .order_by("deadline_at", "pk")
    )


def shipment_for_packing(number: str) -> Shipment | None:
    """The delivery note a packer scanned or typed, by its number."""
    return Shipment.objects.select_related("shipper", "order").filter(number=number.strip()).first()


def stored_shipment_document(number: str, document_pk: int) -> ShipmentDocument | None:
    return ShipmentDocument.objects.filter(shipment__number=number, pk=document_pk).first()


# --- settings -----------------------------------------------------------------------------------


def settings_overview() -> dict[str, Any]:
    from orderpilot.catalog.models import Product
    from orderpilot.orders.models import HoldRule

    return {
        "channels": list(Channel.objects.order_by("code")),
        "shippers": list(Shipper.objects.order_by("priority", "code")),
        "hold_rules": list(HoldRule.objects.order_by("code")),
        "product_count": Product.objects.count(),
    }

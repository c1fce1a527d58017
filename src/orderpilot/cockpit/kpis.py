"""Key figures of the order-to-cash process, computed in the database for a period.

Definitions (shown on the KPI page too):

- **Automation rate**: of the orders ordered in the period that reached ``paid`` or ``completed``,
  the share no person touched. An order was touched if any timeline event names an actor other
  than ``system`` or a shipper (``shipper:<code>``), or if it ever had a ticket.
- **Time to shipping confirmation**: from ``ordered_at`` to the first confirmed delivery note.
- **Late-shipment rate** (Amazon's LSR): of the orders whose ship-by date fell in the period and
  has passed, the share confirmed after it or not confirmed at all. The confirmation is the one the
  marketplace saw (``marketplace_confirmed_at``), else the first confirmed delivery note.
- **Valid-tracking rate** (Amazon's VTR): of the parcels shipped in the period, the share whose
  tracking number comes with a carrier Amazon knows (a ``carrierCode`` other than ``Other``), so the
  marketplace can follow it. Amazon also needs a first carrier scan, which OrderPilot cannot see.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderpilot.channels.amazon.carriers import amazon_carrier
from orderpilot.invoicing.models import Invoice, InvoiceKind
from orderpilot.orders.models import OrderEvent, SalesOrder
from orderpilot.orders.states import OrderStatus
from orderpilot.shipping.models import Package, Shipment
from orderpilot.tickets.models import OPEN_STATUSES, Ticket, TicketReason

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
#: Buckets of the time to shipping confirmation, in hours: (upper bound, label).
CONFIRMATION_BUCKETS = (
    (12, _("under 12 h")),
    (24, _("12–24 h")),
    (48, _("1–2 days")),
    (72, _("2–3 days")),
    (120, _("3–5 days")),
    (None, _("over 5 days")),
)
#: Age buckets of unpaid invoices, in days: (lower bound, label), oldest last.
INVOICE_AGE_BUCKETS = ((0, _("0–7 days")), (8, _("8–14 days")), (15, _("15–30 days")), (31, _("31–60 days")),
                       (61, _("over 60 days")))


@dataclass
class Rate:
    part: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.total, 1) if self.total else None


@dataclass
class ChannelRates:
    channel: str
    automation: Rate
    late: Rate
    tracking: Rate


@dataclass
class ConfirmationTimes:
    count: int
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None
    buckets: list[tuple[str, int]]


@dataclass
class AgeBucket:
    label: str
    count: int
    amount: Decimal


@dataclass
class Kpis:
    days: int
    since: dt.datetime
    automation: Rate
    late: Rate
    tracking: Rate
    by_channel: list[ChannelRates]
    days_list: list[dt.date]
    orders_per_day: dict[str, list[int]]
    confirmation: ConfirmationTimes
    tickets_by_reason: list[tuple[str, int]]
    unpaid_by_age: list[AgeBucket]


def touched_q() -> Q:
    """Orders a person touched: an event by someone other than the system or a shipper, or a ticket."""
    by_person = OrderEvent.objects.filter(order=OuterRef("pk")).exclude(actor="system").exclude(
        actor__startswith="shipper:"
    )
    return Q(Exists(by_person)) | Q(Exists(Ticket.objects.filter(order=OuterRef("pk"))))


def automation_by_channel(since: dt.datetime) -> dict[str, Rate]:
    finished = SalesOrder.objects.filter(
        ordered_at__gte=since, status__in=[OrderStatus.PAID, OrderStatus.COMPLETED]
    ).annotate(touched=Case(When(touched_q(), then=Value(True)), default=Value(False)))
    rows = finished.values("channel__code").annotate(total=Count("pk"), untouched=Count("pk", filter=Q(touched=False)))
    return {row["channel__code"]: Rate(row["untouched"], row["total"]) for row in rows}


def orders_per_day(since: dt.datetime, *, now: dt.datetime) -> tuple[list[dt.date], dict[str, list[int]]]:
    """Days of the period and, per channel, the number of orders each day (local time)."""
    tz = timezone.get_current_timezone()
    rows = (
        SalesOrder.objects.filter(ordered_at__gte=since)
        .annotate(day=TruncDate("ordered_at", tzinfo=tz))
        .values("day", "channel__code")
        .annotate(n=Count("pk"))
    )
    first = timezone.localtime(since, tz).date()
    last = timezone.localtime(now, tz).date()
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    index = {day: i for i, day in enumerate(days)}
    series: dict[str, list[int]] = {}
    for row in rows:
        counts = series.setdefault(row["channel__code"], [0] * len(days))
        if row["day"] in index:
            counts[index[row["day"]]] += row["n"]
    return days, dict(sorted(series.items()))


def first_confirmation() -> Subquery:
    return Subquery(
        Shipment.objects.filter(order=OuterRef("pk"), confirmed_at__isnull=False)
        .order_by("confirmed_at")
        .values("confirmed_at")[:1]
    )


def confirmation_times(since: dt.datetime) -> ConfirmationTimes:
    pairs = (
        SalesOrder.objects.filter(ordered_at__gte=since)
        .annotate(confirmed=first_confirmation())
        .filter(confirmed__isnull=False)
        .values_list("ordered_at", "confirmed")
    )
    hours = sorted(max((confirmed - ordered).total_seconds(), 0) / 3600 for ordered, confirmed in pairs)
    buckets = []
    lower = 0.0
    for upper, label in CONFIRMATION_BUCKETS:
        count = sum(1 for h in hours if h >= lower and (upper is None or h < upper))
        buckets.append((str(label), count))
        lower = float(upper or 0)
    if not hours:
        return ConfirmationTimes(0, None, None, None, buckets)
    p90 = hours[min(len(hours) - 1, int(round(0.9 * (len(hours) - 1))))]
    return ConfirmationTimes(
        count=len(hours),
        median_hours=round(statistics.median(hours), 1),
        p90_hours=round(p90, 1),
        mean_hours=round(statistics.fmean(hours), 1),
        buckets=buckets,
    )


def late_shipments_by_channel(since: dt.datetime, *, now: dt.datetime) -> dict[str, Rate]:
    due = (
        SalesOrder.objects.filter(ship_by__gte=since, ship_by__lt=now)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(confirmed=Coalesce("marketplace_confirmed_at", first_confirmation()))
    )
    rows = due.values("channel__code").annotate(
        total=Count("pk"), late=Count("pk", filter=Q(confirmed__isnull=True) | Q(confirmed__gt=F("ship_by")))
    )
    return {row["channel__code"]: Rate(row["late"], row["total"]) for row in rows}


def valid_tracking_by_channel(since: dt.datetime) -> dict[str, Rate]:
    rows = (
        Package.objects.filter(shipped_at__gte=since)
        .values("shipment__order__channel__code", "carrier")
        .annotate(n=Count("pk"))
    )
    rates: dict[str, Rate] = {}
    for row in rows:
        rate = rates.setdefault(row["shipment__order__channel__code"], Rate(0, 0))
        rate.total += row["n"]
        if amazon_carrier(row["carrier"])[0] != "Other":
            rate.part += row["n"]
    return rates


def open_tickets_by_reason() -> list[tuple[str, int]]:
    labels = dict(TicketReason.choices)
    rows = (
        Ticket.objects.filter(status__in=OPEN_STATUSES).values("reason").annotate(n=Count("pk")).order_by("-n",
                                                                                                          "reason")
    )
    return [(str(labels.get(row["reason"], row["reason"])), row["n"]) for row in rows]


def unpaid_invoices_by_age(*, now: dt.datetime) -> list[AgeBucket]:
    """Invoices whose order waits for its payment (status ``invoiced``) and that no credit note cancels."""
    whens = [
        When(issued_at__lte=now - dt.timedelta(days=lower), then=Value(str(label)))
        for lower, label in reversed(INVOICE_AGE_BUCKETS)
    ]
    rows = (
        Invoice.objects.filter(kind=InvoiceKind.INVOICE, order__status=OrderStatus.INVOICED)
        .exclude(Exists(Invoice.objects.filter(refers=OuterRef("pk"))))
        .annotate(bucket=Case(*whens, default=Value(str(INVOICE_AGE_BUCKETS[0][1])), output_field=CharField()))
        .values("bucket")
        .annotate(n=Count("pk"), amount=Sum("gross_total"))
    )
    found = {row["bucket"]: row for row in rows}
    return [
        AgeBucket(
            label=str(label),
            count=found.get(str(label), {}).get("n", 0),
            amount=found.get(str(label), {}).get("amount") or Decimal("0.00"),
        )
        for _lower, label in INVOICE_AGE_BUCKETS
    ]


def _total(rates: dict[str, Rate]) -> Rate:
    return Rate(sum(r.part for r in rates.values()), sum(r.total for r in rates.values()))


def compute_kpis(days: int = DEFAULT_PERIOD, *, now: dt.datetime | None = None) -> Kpis:
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    automation = automation_by_channel(since)
    late = late_shipments_by_channel(since, now=now)
    tracking = valid_tracking_by_channel(since)
    channels = sorted(set(automation) | set(late) | set(tracking))
    days_list, per_day = orders_per_day(since, now=now)
    return Kpis(
        days=days,
        since=since,
        automation=_total(automation),
        late=_total(late),
        tracking=_total(tracking),
        by_channel=[
            ChannelRates(
                channel=code,
                automation=automation.get(code, Rate(0, 0)),
                late=late.get(code, Rate(0, 0)),
                tracking=tracking.get(code, Rate(0, 0)),
            )
            for code in channels
        ],
        days_list=days_list,
        orders_per_day=per_day,
        confirmation=confirmation_times(since),
        tickets_by_reason=open_tickets_by_reason(),
        unpaid_by_age=unpaid_invoices_by_age(now=now),
    )

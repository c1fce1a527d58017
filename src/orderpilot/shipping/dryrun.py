"""Dry run of the selection: which shipper would recent orders get under today's rules?

Reads only; nothing is created or changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderpilot.orders.models import SalesOrder

from .models import Shipper
from .selection import choose_shipper
from .services import shipment_request, shipper_spec


@dataclass(frozen=True)
class DryRunRow:
    order: str
    current: str  # shipper code(s) of its delivery notes, "" if none yet
    new: str  # today's choice, "" if no shipper fits
    reasons: str  # why the new choice (or why none)

    @property
    def changed(self) -> bool:
        return self.current != self.new


def dry_run_selection(*, last: int) -> list[DryRunRow]:
    specs = [shipper_spec(s) for s in Shipper.objects.filter(active=True)]
    orders = (
        SalesOrder.objects.select_related("channel")
        .prefetch_related("lines", "shipments__shipper")
        .order_by("-ordered_at", "-pk")[:last]
    )
    rows = []
    for order in orders:
        decision = choose_shipper(shipment_request(order), specs)
        current = ",".join(sorted({s.shipper.code for s in order.shipments.all()}))
        if decision.chosen:
            reasons = next(c for c in decision.considered if c.shipper == decision.chosen)
            why = f"{reasons.price} EUR, {reasons.transit_days} day(s)"
        else:
            why = "; ".join(f"{c.shipper}: {', '.join(c.reasons)}" for c in decision.considered) or "no shipper"
        rows.append(
            DryRunRow(
                order=f"{order.channel.code}/{order.external_id}",
                current=current,
                new=decision.chosen or "",
                reasons=why,
            )
        )
    return rows

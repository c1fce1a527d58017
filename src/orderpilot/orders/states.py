"""The order lifecycle as a transition table: the one place that says which status may follow which.

Only :func:`orderpilot.orders.services.transition_order` changes ``SalesOrder.status``; it checks
this table and raises :class:`~orderpilot.core.exceptions.IllegalTransition` for anything else.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orderpilot.core.exceptions import IllegalTransition


class OrderStatus(models.TextChoices):
    IMPORTED = "imported", _("imported")  # stored, not yet released (e.g. Amazon Pending)
    ON_HOLD = "on_hold", _("on hold")  # waiting for a person (open ticket)
    RELEASED = "released", _("released")  # cleared for shipping, delivery note being routed
    TRANSMITTED = "transmitted", _("transmitted")  # the delivery note reached its shipper
    SHIPPED = "shipped", _("shipped")  # tracking received
    INVOICED = "invoiced", _("invoiced")  # invoice issued
    PAID = "paid", _("paid")  # payment matched
    COMPLETED = "completed", _("completed")  # nothing left to do
    CANCELLED = "cancelled", _("cancelled")  # stopped before shipment, or reversed


S = OrderStatus

ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.IMPORTED: frozenset({S.ON_HOLD, S.RELEASED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.RELEASED, S.CANCELLED}),
    # back to ON_HOLD when no shipper fits; TRANSMITTED once the delivery note reached its shipper
    S.RELEASED: frozenset({S.ON_HOLD, S.TRANSMITTED, S.CANCELLED}),
    # back to RELEASED when the shipper refuses the delivery note and it must be routed again
    S.TRANSMITTED: frozenset({S.RELEASED, S.SHIPPED, S.CANCELLED}),
    # PAID directly where the marketplace invoices (Amazon VCS); COMPLETED for replacement orders
    S.SHIPPED: frozenset({S.INVOICED, S.PAID, S.COMPLETED, S.CANCELLED}),
    S.INVOICED: frozenset({S.PAID, S.COMPLETED, S.CANCELLED}),
    S.PAID: frozenset({S.COMPLETED, S.CANCELLED}),
    # a refund after completion reverses the order (credit note)
    S.COMPLETED: frozenset({S.CANCELLED}),
    S.CANCELLED: frozenset(),
}

FINAL_STATUSES = frozenset({S.COMPLETED, S.CANCELLED})
#: Statuses in which the goods have not left: a cancellation needs no return.
BEFORE_SHIPMENT = frozenset({S.IMPORTED, S.ON_HOLD, S.RELEASED, S.TRANSMITTED})


def check_transition(current: str, target: str) -> None:
    """Raise :class:`IllegalTransition` unless ``current`` → ``target`` is in the table."""
    if OrderStatus(target) not in ALLOWED_TRANSITIONS[OrderStatus(current)]:
        raise IllegalTransition(f"an order cannot go from {current!r} to {target!r}")

"""Which step advances an order in each status (dotted paths, resolved when the step runs).

A status without a step waits for an outside event: a person (on hold), a tracking number
(transmitted), a settlement (invoiced). Later stages register their step here, in one place.
"""

from __future__ import annotations

from .states import OrderStatus

STEPS: dict[str, str] = {
    OrderStatus.IMPORTED: "orderpilot.orders.steps.review_imported_order",
    OrderStatus.RELEASED: "orderpilot.shipping.steps.route_released_order",
    OrderStatus.SHIPPED: "orderpilot.invoicing.steps.invoice_shipped_order",
    OrderStatus.PAID: "orderpilot.notifications.steps.request_review_for_paid_order",
}


def has_step(status: str) -> bool:
    return status in STEPS

"""The engine's step for shipped orders: issue the invoices, or say why none is due."""

from __future__ import annotations

from orderpilot.core.exceptions import TerminalError
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import transition_order, wait_order
from orderpilot.orders.states import OrderStatus
from orderpilot.orders.timeline import record_event

from .services import issue_invoices_for_order, marketplace_invoices


def invoice_shipped_order(order: SalesOrder) -> None:
    """Runs under the order's row lock while the order is ``shipped``.

    - replacement orders are not billed again: ``completed``;
    - where the marketplace invoices (Amazon VCS, ``Channel.settings["invoicing"] == "marketplace"``)
      OrderPilot must not issue a second invoice (§14c UStG): the order waits for its payment;
    - otherwise one invoice per confirmed delivery, then ``invoiced``.
    """
    if order.is_replacement:
        transition_order(order, OrderStatus.COMPLETED, reason="replacement order: nothing to invoice")
        return
    if marketplace_invoices(order):
        record_event(order, "invoiced_by_marketplace", f"{order.channel.code} issues the invoice")
        wait_order(order, until=None, reason="the marketplace invoices; waiting for the payment")
        return
    invoices = issue_invoices_for_order(order)
    if not invoices and not order.invoices.exists():
        raise TerminalError(
            f"{order.channel.code} {order.external_id} is shipped but has no confirmed delivery to bill"
        )
    numbers = ", ".join(invoice.number for invoice in invoices)
    transition_order(
        order,
        OrderStatus.INVOICED,
        reason=f"invoice {numbers}",
        data={"invoices": [i.number for i in invoices]},
    )

"""The engine's steps for orders before shipping. Each runs under the order's row lock."""

from __future__ import annotations

import datetime as dt

from orderpilot.catalog.selectors import active_skus
from orderpilot.core.runcache import per_run
from orderpilot.notifications.policy import MessageKind
from orderpilot.notifications.services import queue_customer_email

from .holds import OrderFacts, Rule, evaluate
from .models import HoldRule, SalesOrder
from .services import hold_order, transition_order, wait_order
from .states import OrderStatus


def review_imported_order(order: SalesOrder) -> None:
    """Release an imported order at once unless the marketplace still holds it or a rule fires."""
    if order.awaiting_marketplace:
        wait_order(order, until=None, reason="waiting for the marketplace to release the order")
        return
    queue_customer_email(order, MessageKind.ORDER_RECEIVED)
    rules = active_rules()
    # looking for duplicates costs a query per order: only when a rule asks for them
    duplicates = any(rule.when == "duplicate" for rule in rules)
    facts = order_facts(order, duplicate_window=duplicate_window(rules), duplicates=duplicates)
    firings = evaluate(facts, [*rules, *BUILT_IN_RULES], overridden=order.overridden_rules)
    if firings:
        hold_order(order, firings)
    else:
        transition_order(order, OrderStatus.RELEASED, reason="no hold rule fired")


#: how far back an order counts as a possible duplicate of a new one (rule param ``minutes``)
DUPLICATE_WINDOW = dt.timedelta(minutes=10)


def order_facts(
    order: SalesOrder, *, duplicate_window: dt.timedelta = DUPLICATE_WINDOW, duplicates: bool = True
) -> OrderFacts:
    """What the hold rules look at. ``duplicates=False`` leaves ``similar_recent_orders`` empty
    (for callers whose rules do not look for duplicates)."""
    lines = list(order.lines.all())
    skus = {line.sku for line in lines}
    known = active_skus(skus)
    return OrderFacts(
        channel=order.channel.code,
        total_gross=order.total_gross,
        currency=order.currency,
        buyer_note=order.buyer_note,
        gift_message=order.gift_message,
        customized_skus=tuple(sorted(line.sku for line in lines if line.customization)),
        unknown_skus=tuple(sorted(skus - known)),
        shipping_address={k: str(v) for k, v in (order.shipping_address or {}).items()},
        cancellation_requested=order.cancellation_requested,
        similar_recent_orders=_similar_recent_orders(order, lines, window=duplicate_window) if duplicates else (),
    )


def _similar_recent_orders(order: SalesOrder, lines, *, window: dt.timedelta) -> tuple[str, ...]:
    """Orders of the same customer with the same items placed within ``window`` before this one."""
    if order.customer_id is None:
        return ()
    items = sorted((line.sku, line.quantity) for line in lines)
    candidates = (
        SalesOrder.objects.filter(
            customer_id=order.customer_id,
            ordered_at__gte=order.ordered_at - window,
            ordered_at__lte=order.ordered_at,
        )
        .exclude(pk=order.pk)
        .prefetch_related("lines")
    )
    return tuple(
        sorted(
            other.external_id
            for other in candidates
            if sorted((line.sku, line.quantity) for line in other.lines.all()) == items
        )
    )


#: rules that always apply: a buyer who asked to cancel must not get a parcel before a person decided
BUILT_IN_RULES = (Rule(code="cancellation-request", when="cancellation_requested"),)


def duplicate_window(rules: list[Rule]) -> dt.timedelta:
    minutes = [int(r.params.get("minutes", 10)) for r in rules if r.when == "duplicate"]
    return dt.timedelta(minutes=max(minutes, default=10))


def active_rules() -> list[Rule]:
    """The configured rules that are switched on, read once per job run (``core.runcache``)."""
    return list(per_run("orders.active_rules", _read_active_rules))


def _read_active_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule(code=r.code, when=r.when, params=r.params, channels=tuple(r.channels))
        for r in HoldRule.objects.filter(active=True)
    )

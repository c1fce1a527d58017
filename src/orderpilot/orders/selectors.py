"""Read queries about orders."""

from __future__ import annotations

from .holds import Firing, Rule, evaluate
from .models import SalesOrder
from .steps import duplicate_window, order_facts


def orders_held_by(rules: list[Rule], *, last: int) -> list[tuple[SalesOrder, list[Firing]]]:
    """Dry run: which of the last ``last`` orders ``rules`` would hold, and why. Changes nothing."""
    window = duplicate_window(rules)
    orders = SalesOrder.objects.select_related("channel").prefetch_related("lines").order_by("-ordered_at", "-pk")
    result = []
    for order in orders[:last]:
        firings = evaluate(order_facts(order, duplicate_window=window), rules)
        if firings:
            result.append((order, firings))
    return result

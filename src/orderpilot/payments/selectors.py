"""Read queries of payments."""

from __future__ import annotations

from collections.abc import Iterable

from orderpilot.orders.models import SalesOrder

#: ids per ``IN (…)`` list: below SQLite's smallest limit of 999 query parameters
IN_CHUNK = 900


def orders_by_ref(source: str, order_refs: Iterable[str]) -> dict[str, int]:
    """The order (its pk) each channel order id of a payout from channel ``source`` names.

    That is the order of the channel ``source`` with that id, else the only Amazon order with it
    (a settlement may pay orders another Amazon channel of the seller imported). Ids that name no
    order, or several orders of other channels, are left out. A few queries for any number of ids.
    """
    refs = sorted(set(order_refs))
    found: dict[str, list[tuple[int, str, str]]] = {}
    for start in range(0, len(refs), IN_CHUNK):
        rows = SalesOrder.objects.filter(external_id__in=refs[start : start + IN_CHUNK]).values_list(
            "pk", "external_id", "channel__code", "channel__kind"
        )
        for pk, ref, code, kind in rows:
            found.setdefault(ref, []).append((pk, code, kind))
    result: dict[str, int] = {}
    for ref, orders in found.items():
        same_channel = [pk for pk, code, _ in orders if code == source]
        amazon = [pk for pk, _, kind in orders if kind == "amazon"]
        if same_channel:
            result[ref] = same_channel[0]
        elif len(amazon) == 1:
            result[ref] = amazon[0]
    return result

"""Hold rules: pure checks of an order against the configured rules.

Each built-in condition is a function ``(facts, params) -> evidence | None``; evidence is what a
person needs to see to decide (the note's text, the limit and the total, the missing fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class OrderFacts:
    """What the rules look at, gathered once per order."""

    channel: str
    total_gross: Decimal
    currency: str
    buyer_note: str
    gift_message: str
    customized_skus: tuple[str, ...]
    unknown_skus: tuple[str, ...]
    shipping_address: dict[str, str]
    cancellation_requested: bool
    #: external ids of recent orders of the same customer with the same items (see ``order_facts``)
    similar_recent_orders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Firing:
    code: str
    rule: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.evidence.items())


@dataclass(frozen=True)
class Rule:
    code: str
    when: str
    params: dict[str, Any] = field(default_factory=dict)
    channels: tuple[str, ...] = ()


Condition = Callable[[OrderFacts, dict[str, Any]], dict[str, Any] | None]

HOUSE_NUMBER = re.compile(r"\d")
PICKUP_STATION = re.compile(r"\b(pack\s*station|post\s*filiale|paket\s*shop|postfiliale|packstation)\b", re.I)
POSTNUMMER = re.compile(r"\b\d{6,10}\b")
PO_BOX = re.compile(r"\b(postfach|p\.?\s*o\.?\s*box|po\s*box)\b", re.I)


def _buyer_note(facts, params):
    return {"note": facts.buyer_note} if facts.buyer_note.strip() else None


def _gift_message(facts, params):
    return {"message": facts.gift_message} if facts.gift_message.strip() else None


def _customisation(facts, params):
    return {"skus": list(facts.customized_skus)} if facts.customized_skus else None


def _unknown_sku(facts, params):
    return {"skus": list(facts.unknown_skus)} if facts.unknown_skus else None


def _address_incomplete(facts, params):
    """Missing fields, a street without house number, a Packstation without the customer's
    Postnummer, and (with ``refuse_po_box``) a PO box."""
    address = facts.shipping_address
    missing = [key for key in ("name", "street", "postal_code", "city", "country") if not address.get(key, "").strip()]
    street = address.get("street", "")
    everything = " ".join(address.get(key, "") for key in ("name", "company", "street", "address2"))
    if street and not HOUSE_NUMBER.search(street + " " + address.get("address2", "")):
        missing.append("house_number")
    if PICKUP_STATION.search(everything) and not POSTNUMMER.search(everything):
        missing.append("postnummer")
    if params.get("refuse_po_box") and PO_BOX.search(everything):
        missing.append("street_address_instead_of_po_box")
    return {"missing": missing} if missing else None


def _total_above(facts, params):
    limit = Decimal(str(params["limit"]))
    if facts.total_gross > limit:
        return {"total": f"{facts.total_gross} {facts.currency}", "limit": str(limit)}
    return None


def _country_not_in(facts, params):
    country = facts.shipping_address.get("country", "").upper()
    allowed = [c.upper() for c in params.get("countries", [])]
    return {"country": country, "served": allowed} if country not in allowed else None


def _duplicate(facts, params):
    return {"similar_orders": list(facts.similar_recent_orders)} if facts.similar_recent_orders else None


def _cancellation_requested(facts, params):
    return {"requested": True} if facts.cancellation_requested else None


CONDITIONS: dict[str, Condition] = {
    "buyer_note": _buyer_note,
    "gift_message": _gift_message,
    "customisation": _customisation,
    "customization": _customisation,
    "unknown_sku": _unknown_sku,
    "address_incomplete": _address_incomplete,
    "total_above": _total_above,
    "country_not_in": _country_not_in,
    "cancellation_requested": _cancellation_requested,
    "duplicate": _duplicate,
}

#: Conditions decided elsewhere (by the step that has the facts), accepted in configuration.
DEFERRED_CONDITIONS = frozenset({"no_shipper"})

#: Parameters each condition requires.
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {"total_above": ("limit",), "country_not_in": ("countries",)}


def evaluate(facts: OrderFacts, rules: Iterable[Rule], *, overridden: Iterable[str] = ()) -> list[Firing]:
    """Return the rules that fire for ``facts``, skipping rules a person overrode for this order."""
    skip = set(overridden)
    firings = []
    fired_conditions: set[str] = set()
    for rule in rules:
        if rule.code in skip or (rule.channels and facts.channel not in rule.channels):
            continue
        if rule.when in fired_conditions:
            continue  # one reason per condition, even if configured twice
        condition = CONDITIONS.get(rule.when)
        if condition is None:
            continue
        evidence = condition(facts, rule.params)
        if evidence is not None:
            firings.append(Firing(code=rule.when, rule=rule.code, evidence=evidence))
            fired_conditions.add(rule.when)
    return firings

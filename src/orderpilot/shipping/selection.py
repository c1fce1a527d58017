"""Shipper selection by criteria matrix: pure, so every rule is testable without a database.

A shipper is a candidate if it can take the whole shipment: the service asked for (and cash on
delivery), the destination, the total weight, each item's dimensions and girth, and stock of every
line. Among candidates the cheapest wins, then the fastest, then the configured priority.
The decision keeps every shipper considered and why it was or was not chosen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Item:
    sku: str
    quantity: int
    weight_g: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True)
class ShipperSpec:
    code: str
    priority: int = 100
    services: tuple[str, ...] = ("standard",)
    countries: tuple[str, ...] = ()
    max_weight_g: int | None = None
    max_length_mm: int | None = None
    max_width_mm: int | None = None
    max_height_mm: int | None = None
    max_girth_mm: int | None = None
    price_table: tuple[dict[str, Any], ...] = ()
    transit_days: int = 2
    stock: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    items: tuple[Item, ...]
    country: str
    service: str = "standard"
    cash_on_delivery: bool = False

    @property
    def weight_g(self) -> int:
        return sum(i.weight_g * i.quantity for i in self.items)


@dataclass
class Consideration:
    shipper: str
    eligible: bool
    reasons: list[str]
    price: str | None = None
    transit_days: int | None = None


@dataclass
class Decision:
    chosen: str | None
    weight_g: int
    considered: list[Consideration]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def choose_shipper(request: Request, shippers: list[ShipperSpec]) -> Decision:
    considered = [_consider(request, spec) for spec in shippers]
    by_code = {spec.code: spec for spec in shippers}
    eligible = [c for c in considered if c.eligible]
    eligible.sort(key=lambda c: (Decimal(c.price), c.transit_days, by_code[c.shipper].priority, c.shipper))
    chosen = eligible[0].shipper if eligible else None
    for c in considered:
        if c.shipper == chosen:
            c.reasons.append("chosen: cheapest, then fastest, then priority")
        elif c.eligible:
            c.reasons.append(f"not chosen: {chosen} is cheaper, faster or has priority")
    return Decision(chosen=chosen, weight_g=request.weight_g, considered=considered)


def _consider(request: Request, spec: ShipperSpec) -> Consideration:
    reasons: list[str] = []
    wanted = {request.service} | ({"cod"} if request.cash_on_delivery else set())
    missing = sorted(wanted - set(spec.services or ("standard",)))
    if missing:
        reasons.append(f"does not offer {', '.join(missing)}")
    if spec.countries and request.country.upper() not in {c.upper() for c in spec.countries}:
        reasons.append(f"does not ship to {request.country}")
    weight = request.weight_g
    if spec.max_weight_g is not None and weight > spec.max_weight_g:
        reasons.append(f"weight {weight} g above its limit of {spec.max_weight_g} g")
    reasons.extend(_dimension_problems(request.items, spec))
    reasons.extend(_stock_problems(request.items, spec.stock))
    price = _price(spec.price_table, weight=weight, country=request.country)
    if price is None:
        reasons.append(f"no price for {weight} g to {request.country}")
    return Consideration(
        shipper=spec.code,
        eligible=not reasons,
        reasons=reasons or ["can take the whole shipment"],
        price=None if price is None else str(price),
        transit_days=spec.transit_days,
    )


def _dimension_problems(items: tuple[Item, ...], spec: ShipperSpec) -> list[str]:
    limits = [spec.max_length_mm, spec.max_width_mm, spec.max_height_mm]
    problems = []
    for item in items:
        sides = sorted([item.length_mm, item.width_mm, item.height_mm], reverse=True)
        for side, limit, name in zip(sides, limits, ("length", "width", "height"), strict=True):
            if limit is not None and side > limit:
                problems.append(f"{item.sku}: {name} {side} mm above its limit of {limit} mm")
        if spec.max_girth_mm is not None:
            girth = sides[0] + 2 * (sides[1] + sides[2])
            if girth > spec.max_girth_mm:
                problems.append(f"{item.sku}: length + girth {girth} mm above its limit of {spec.max_girth_mm} mm")
    return problems


def _stock_problems(items: tuple[Item, ...], stock: dict[str, Any]) -> list[str]:
    if not stock or stock.get("mode", "unlimited") == "unlimited":
        return []
    table = stock.get("skus", {})
    needed: dict[str, int] = {}
    for item in items:
        needed[item.sku] = needed.get(item.sku, 0) + item.quantity
    return [
        f"{sku}: {table.get(sku, 0)} in stock, {quantity} needed"
        for sku, quantity in sorted(needed.items())
        if int(table.get(sku, 0)) < quantity
    ]


def _price(table: tuple[dict[str, Any], ...], *, weight: int, country: str) -> Decimal | None:
    if not table:
        return Decimal("0")
    brackets = [
        row for row in table if not row.get("countries") or country.upper() in {c.upper() for c in row["countries"]}
    ]
    for row in sorted(brackets, key=lambda r: int(r["up_to_g"])):
        if weight <= int(row["up_to_g"]):
            return Decimal(str(row["eur"]))
    return None

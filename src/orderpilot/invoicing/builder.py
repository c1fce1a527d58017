"""Compute the lines and totals of an invoice or credit note. Pure: no database, no I/O.

Rounding follows EN 16931: the VAT of each (category, rate) group is computed once from the group's
amount (BR-CO-17), and the lines' net amounts add up to the group's net exactly (BR-CO-10/13).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .models import LineKind, TaxCategory, TaxTreatment
from .tax import EXEMPTION_NOTES, Notes, TaxContext, decide_treatment, line_tax, money, split_gross

ZERO = Decimal("0.00")
UNIT = Decimal("0.0001")


@dataclass(frozen=True)
class SourceLine:
    """What was sold: ``gross`` is the amount the buyer paid for ``quantity``."""

    description: str
    quantity: Decimal
    gross: Decimal
    channel_rate: Decimal
    sku: str = ""
    kind: str = LineKind.GOODS


@dataclass(frozen=True)
class DraftLine:
    kind: str
    description: str
    sku: str
    quantity: Decimal
    unit_net: Decimal
    tax_rate: Decimal
    category: str
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class TaxGroup:
    category: str
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Draft:
    treatment: str
    lines: tuple[DraftLine, ...]
    notes: tuple[Notes, ...] = field(default=())

    @property
    def net_total(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def tax_total(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def gross_total(self) -> Decimal:
        return sum((line.gross for line in self.lines), ZERO)


def tax_groups(lines: Iterable) -> list[TaxGroup]:
    """The VAT breakdown (one entry per category and rate) of lines or invoice lines."""
    sums: dict[tuple[str, Decimal], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        key = (line.category, Decimal(line.tax_rate).quantize(Decimal("0.01")))
        sums[key][0] += line.net
        sums[key][1] += line.tax
    return [TaxGroup(category, rate, net, tax) for (category, rate), (net, tax) in sorted(sums.items())]


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` into cent amounts that add up to ``total`` exactly;
    the rounding difference goes to the largest weight."""
    base = sum(weights, ZERO)
    if not weights:
        return []
    if base == 0:
        shares = [ZERO] * len(weights)
        shares[0] = total
        return shares
    shares = [money(total * weight / base) for weight in weights]
    largest = max(range(len(weights)), key=lambda i: abs(weights[i]))
    shares[largest] += total - sum(shares, ZERO)
    return shares


def build_invoice_draft(
    ctx: TaxContext, goods: Sequence[SourceLine], *, shipping_gross: Decimal = ZERO, shipping_label: str = ""
) -> Draft:
    """The lines of an invoice for ``goods`` plus shipping, taxed as ``ctx`` decides.

    Shipping is a secondary supply: it takes the rate of the goods, split in proportion to their
    amounts where goods with different rates are shipped together.
    """
    treatment = decide_treatment(ctx)
    taxed = [(line, line_tax(ctx, treatment, line.channel_rate)) for line in goods]
    lines: list[tuple[SourceLine, str, Decimal]] = [(line, lt.category, lt.rate) for line, lt in taxed]
    if shipping_gross:
        group_keys = sorted({(category, rate) for _, category, rate in lines})
        group_gross = [sum((ln.gross for ln, c, r in lines if (c, r) == key), ZERO) for key in group_keys]
        for (category, rate), amount in zip(group_keys, allocate(shipping_gross, group_gross), strict=True):
            label = shipping_label if len(group_keys) == 1 else f"{shipping_label} ({rate.normalize()} %)"
            source = SourceLine(label, Decimal(1), amount, rate, kind=LineKind.SHIPPING)
            lines.append((source, category, rate))
    drafted = _net_by_group(lines)
    notes = [EXEMPTION_NOTES[c] for c in sorted({line.category for line in drafted}) if c in EXEMPTION_NOTES]
    if treatment == TaxTreatment.OSS:
        notes.append(
            Notes(
                de=f"Innergemeinschaftlicher Fernverkauf: Umsatzsteuer des Bestimmungslands "
                f"{ctx.destination_country.upper()} (§ 3c UStG, OSS).",
                en="Intra-EU distance sale: VAT of the country of destination "
                f"{ctx.destination_country.upper()} "
                f"(OSS).",
            )
        )
    return Draft(treatment=treatment, lines=tuple(drafted), notes=tuple(notes))


def _net_by_group(lines: list[tuple[SourceLine, str, Decimal]]) -> list[DraftLine]:
    groups: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
    for index, (_, category, rate) in enumerate(lines):
        groups[(category, rate)].append(index)
    nets: dict[int, Decimal] = {}
    for (_, rate), members in groups.items():
        gross = sum((lines[i][0].gross for i in members), ZERO)
        net, _ = split_gross(gross, rate)
        for index, share in zip(members, allocate(net, [lines[i][0].gross for i in members]), strict=True):
            nets[index] = share
    result = []
    for index, (source, category, rate) in enumerate(lines):
        net = nets[index]
        result.append(
            DraftLine(
                kind=source.kind,
                description=source.description,
                sku=source.sku,
                quantity=source.quantity,
                unit_net=(net / source.quantity).quantize(UNIT) if source.quantity else ZERO,
                tax_rate=Decimal(rate).quantize(Decimal("0.01")),
                category=category,
                net=net,
                tax=source.gross - net,
                gross=source.gross,
            )
        )
    return result


def negate(lines: Iterable[DraftLine]) -> list[DraftLine]:
    """The lines of a full cancellation: the original's lines with negated quantities and amounts."""
    return [
        replace(line, quantity=-line.quantity, net=-line.net, tax=-line.tax, gross=-line.gross)
        for line in lines
    ]


def refund_lines(original: Sequence[DraftLine], amount: Decimal, *, description: str) -> list[DraftLine]:
    """The lines of a partial credit note for ``amount`` (gross, positive) of ``original``: one line
    per VAT group of the original, in proportion to the groups' gross amounts."""
    groups = tax_groups(original)
    shares = allocate(amount, [g.gross for g in groups])
    lines = []
    for group, share in zip(groups, shares, strict=True):
        if not share:
            continue
        net, tax = split_gross(share, group.rate if group.category == TaxCategory.STANDARD else ZERO)
        label = description if len(groups) == 1 else f"{description} ({group.rate.normalize()} %)"
        lines.append(
            DraftLine(
                kind=LineKind.REFUND,
                description=label,
                sku="",
                quantity=Decimal(-1),
                unit_net=net.quantize(UNIT),
                tax_rate=group.rate,
                category=group.category,
                net=-net,
                tax=-tax,
                gross=-share,
            )
        )
    return lines

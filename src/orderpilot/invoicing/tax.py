"""The VAT decision for an invoice, and exact rounding. Pure: no database, no I/O.

Amounts the channel reports are what the buyer paid (gross). The decision only says how that
amount splits into net and VAT:

- goods that stay in the seller's country: the seller country's rate (``domestic``);
- EU consumers abroad: the destination country's rate when the seller takes part in the OSS
  (§3c UStG), else the seller country's rate;
- EU businesses abroad with a valid VAT ID: 0 %, tax-free intra-community supply with reverse
  charge (§4 Nr. 1b, §6a UStG; EN 16931 category K);
- outside the EU: 0 %, tax-free export (§4 Nr. 1a UStG; category G).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from stdnum.eu import vat as eu_vat

from .models import TaxCategory, TaxTreatment
from .vat_rates import UnknownRate, is_eu, rate_period

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class TaxDecisionError(ValueError):
    """No rate can be decided (unknown country, reduced-rate goods without a configured rate)."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split_gross(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Split ``gross`` into ``(net, tax)`` with ``net + tax == gross`` to the cent.

    Prefers the net for which ``tax == round(net × rate)`` exactly (EN 16931 BR-CO-17); for the
    few gross amounts that no net reaches that way, the tax is the remaining cent-exact difference.
    """
    if rate == 0:
        return money(gross), Decimal("0.00")
    factor = rate / HUNDRED
    first = money(gross / (1 + factor))
    for net in (first, first - CENT, first + CENT):
        if net + money(net * factor) == gross:
            return net, gross - net
    return first, gross - first


@dataclass(frozen=True)
class TaxContext:
    seller_country: str
    destination_country: str
    supply_date: dt.date
    buyer_vat_id: str = ""
    is_business: bool = False
    oss: bool = True
    #: the rate reduced-rate goods take per destination country (from the invoicing settings)
    reduced_rates: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class LineTax:
    category: str
    rate: Decimal


@dataclass(frozen=True)
class Notes:
    de: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"de": self.de, "en": self.en}


INTRA_EU_NOTE = Notes(
    de="Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b i. V. m. § 6a UStG). "
    "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge).",
    en="Tax-exempt intra-Community supply (Art. 138 Directive 2006/112/EC). Reverse charge: "
    "VAT is due from the recipient.",
)
EXPORT_NOTE = Notes(
    de="Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a i. V. m. § 6 UStG).",
    en="Tax-exempt export delivery outside the EU (Art. 146 Directive 2006/112/EC).",
)
#: EN 16931 VAT exemption reason codes (VATEX) per category
EXEMPTION_CODES = {TaxCategory.INTRA_EU: "VATEX-EU-IC", TaxCategory.EXPORT: "VATEX-EU-G"}
EXEMPTION_NOTES = {TaxCategory.INTRA_EU: INTRA_EU_NOTE, TaxCategory.EXPORT: EXPORT_NOTE}


def valid_vat_id(vat_id: str) -> bool:
    """Syntax and check digits of an EU VAT ID (python-stdnum); no VIES lookup."""
    return bool(vat_id) and eu_vat.is_valid(vat_id)


def vat_id_country(vat_id: str) -> str:
    prefix = eu_vat.compact(vat_id)[:2].upper()
    return "GR" if prefix == "EL" else prefix


def decide_treatment(ctx: TaxContext) -> str:
    seller, destination = ctx.seller_country.upper(), ctx.destination_country.upper()
    if not destination:
        raise TaxDecisionError("the delivery address has no country")
    if destination == seller:
        return TaxTreatment.DOMESTIC
    if not is_eu(destination):
        return TaxTreatment.EXPORT
    if ctx.is_business and valid_vat_id(ctx.buyer_vat_id) and vat_id_country(ctx.buyer_vat_id) == destination:
        return TaxTreatment.INTRA_EU
    return TaxTreatment.OSS if ctx.oss else TaxTreatment.DOMESTIC


def line_tax(ctx: TaxContext, treatment: str, channel_rate: Decimal) -> LineTax:
    """The category and rate of one line. ``channel_rate`` (the rate the channel charged, in the
    seller's country) tells the goods' class: the seller country's standard rate or a reduced one."""
    if treatment == TaxTreatment.INTRA_EU:
        return LineTax(TaxCategory.INTRA_EU, Decimal("0.00"))
    if treatment == TaxTreatment.EXPORT:
        return LineTax(TaxCategory.EXPORT, Decimal("0.00"))
    seller = ctx.seller_country.upper()
    try:
        home = rate_period(seller, ctx.supply_date)
        if treatment == TaxTreatment.DOMESTIC:
            if channel_rate != home.standard and channel_rate not in home.reduced:
                raise TaxDecisionError(f"{channel_rate} % is not a VAT rate of {seller}")
            return LineTax(TaxCategory.STANDARD, channel_rate)
        destination = ctx.destination_country.upper()
        there = rate_period(destination, ctx.supply_date)
    except UnknownRate as exc:
        raise TaxDecisionError(str(exc)) from exc
    if channel_rate == home.standard:
        return LineTax(TaxCategory.STANDARD, there.standard)
    reduced = ctx.reduced_rates.get(destination)
    if reduced is None:
        raise TaxDecisionError(
            f"goods at the reduced rate {channel_rate} % go to {destination}: set invoicing.oss_reduced_rates"
            f".{destination} to one of {', '.join(str(r) for r in there.reduced) or 'none'}"
        )
    return LineTax(TaxCategory.STANDARD, reduced)

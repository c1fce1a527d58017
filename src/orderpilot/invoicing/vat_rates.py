"""VAT rates of the EU member states, for invoices taxed in the destination country (OSS).

Source: European Commission, Taxes in Europe Database (TEDB), as published in the PyPI package
``eu-vat-rates-data`` 2026.9.29 (file ``eu_vat_rates_data.json``, ``"version": "2026-09-29"``);
read on 2026-11-28 and cross-checked with ``research/compliance.md`` §1.7.

How to maintain: when a country changes a rate, add a new :class:`RatePeriod` with the date the
new rate applies from; never edit a period that invoices were already issued under. Supplies dated
before :data:`COVERS_FROM` are refused, because the table does not know the rates of that time
(the last change it reflects is Romania's, 19 → 21 %, from 2025-08-01).

``reduced`` lists every reduced, super-reduced and regional rate a country has (e.g. Corsica,
Madeira); which of them applies depends on the product, so the invoicing settings say which one the
merchant's reduced-rate goods take per country.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

SOURCE = "European Commission TEDB via PyPI eu-vat-rates-data 2026.9.29"
SOURCE_DATE = dt.date(2026, 9, 29)
COVERS_FROM = dt.date(2025, 8, 1)


@dataclass(frozen=True)
class RatePeriod:
    valid_from: dt.date
    standard: Decimal
    reduced: tuple[Decimal, ...] = ()


def _period(standard: str, *reduced: str) -> tuple[RatePeriod, ...]:
    return (RatePeriod(COVERS_FROM, Decimal(standard), tuple(Decimal(r) for r in reduced)),)


#: country (ISO 3166-1 alpha-2) → rate periods, oldest first.
RATES: dict[str, tuple[RatePeriod, ...]] = {
    "AT": _period("20", "4.9", "10", "13", "19"),
    "BE": _period("21", "6", "12"),
    "BG": _period("20", "9"),
    "CY": _period("19", "3", "5", "9"),
    "CZ": _period("21", "12"),
    "DE": _period("19", "7"),
    "DK": _period("25"),
    "EE": _period("24", "9", "13"),
    "ES": _period("21", "4", "10"),
    "FI": _period("25.5", "10", "13.5"),
    "FR": _period("20", "0.9", "1.05", "2.1", "5.5", "8.5", "10", "13"),
    "GR": _period("24", "4", "6", "13", "17"),
    "HR": _period("25", "5", "13"),
    "HU": _period("27", "5", "18"),
    "IE": _period("23", "9", "13.5"),
    "IT": _period("22", "4", "5", "10"),
    "LT": _period("21", "5", "12"),
    "LU": _period("17", "3", "8", "14"),
    "LV": _period("21", "5", "12"),
    "MT": _period("18", "5", "7"),
    "NL": _period("21", "9"),
    "PL": _period("23", "5", "8"),
    "PT": _period("23", "6", "13", "16", "22"),
    "RO": _period("21", "11"),
    "SE": _period("25", "6", "12"),
    "SI": _period("22", "5", "9.5"),
    "SK": _period("23", "5", "19"),
}

EU_COUNTRIES = frozenset(RATES)


class UnknownRate(LookupError):
    """The table has no rate for this country and date."""


def rate_period(country: str, on: dt.date) -> RatePeriod:
    """The rates of ``country`` in force on ``on`` (the date of supply)."""
    periods = RATES.get(country.upper())
    if not periods:
        raise UnknownRate(f"no VAT rates for {country!r}: not an EU member state")
    if on < COVERS_FROM:
        raise UnknownRate(
            f"the rate table starts on {COVERS_FROM:%Y-%m-%d}; no rate for {country} on {on:%Y-%m-%d}"
        )
    current = [p for p in periods if p.valid_from <= on]
    return current[-1]


def standard_rate(country: str, on: dt.date) -> Decimal:
    return rate_period(country, on).standard


def is_eu(country: str) -> bool:
    return country.upper() in EU_COUNTRIES

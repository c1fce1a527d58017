"""Money as SP-API writes it: amounts are decimal strings (``{"CurrencyCode", "Amount"}`` in v0,
``{"amount", "currencyCode"}`` in v2026)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})


def exponent(currency: str) -> Decimal:
    return Decimal("1") if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def amount_of(money: dict[str, Any] | None) -> Decimal:
    """The amount of a v0 Money (``None`` or a missing amount count as zero)."""
    if not money or money.get("Amount") in (None, ""):
        return Decimal("0")
    return Decimal(str(money["Amount"]))


def v0_money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": str(amount.quantize(exponent(currency), ROUND_HALF_UP))}


def v2026_money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount.quantize(exponent(currency), ROUND_HALF_UP)), "currencyCode": currency}

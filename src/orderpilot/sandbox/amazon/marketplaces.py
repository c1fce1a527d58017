"""The marketplaces the simulator knows: ids, sales channel names, currencies and VAT convention."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country: str
    sales_channel: str  # v0 SalesChannel / v2026 salesChannel.marketplaceName
    currency: str
    # EU/UK/JP prices include VAT, so ItemTax is part of ItemPrice; in the US tax is added on top.
    vat_inclusive: bool
    email_domain: str  # the anonymised buyer relay, e.g. xxxx@marketplace.amazon.de


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace("A1PA6795UKMFR9", "DE", "Amazon.de", "EUR", True, "marketplace.amazon.de"),
        Marketplace("A13V1IB3VIYZZH", "FR", "Amazon.fr", "EUR", True, "marketplace.amazon.fr"),
        Marketplace("APJ6JRA9NG5V4", "IT", "Amazon.it", "EUR", True, "marketplace.amazon.it"),
        Marketplace("A1RKKUPIHCS9HS", "ES", "Amazon.es", "EUR", True, "marketplace.amazon.es"),
        Marketplace("A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "GBP", True, "marketplace.amazon.co.uk"),
        Marketplace("A1805IZSGTT6HS", "NL", "Amazon.nl", "EUR", True, "marketplace.amazon.nl"),
        Marketplace("AMEN7PMS3EDWL", "BE", "Amazon.com.be", "EUR", True, "marketplace.amazon.com.be"),
        Marketplace("A2NODRKZP88ZB9", "SE", "Amazon.se", "SEK", True, "marketplace.amazon.se"),
        Marketplace("A1C3SOZRARQ6R3", "PL", "Amazon.pl", "PLN", True, "marketplace.amazon.pl"),
        Marketplace("A28R8C7NBKEWEA", "IE", "Amazon.ie", "EUR", True, "marketplace.amazon.ie"),
        Marketplace("ATVPDKIKX0DER", "US", "Amazon.com", "USD", False, "marketplace.amazon.com"),
        Marketplace("A1VC38T7YXB528", "JP", "Amazon.co.jp", "JPY", True, "marketplace.amazon.co.jp"),
        Marketplace("A2Q3Y263D00KWC", "BR", "Amazon.com.br", "BRL", True, "marketplace.amazon.com.br"),
    )
}

DEFAULT_MARKETPLACE_ID = "A1PA6795UKMFR9"


def sales_channel_of(marketplace_id: str) -> str | None:
    known = MARKETPLACES.get(marketplace_id)
    return known.sales_channel if known else None


def marketplace_by_sales_channel(name: str) -> Marketplace | None:
    for marketplace in MARKETPLACES.values():
        if marketplace.sales_channel.lower() == (name or "").strip().lower():
            return marketplace
    return None


def is_vat_inclusive(marketplace_id: str) -> bool:
    known = MARKETPLACES.get(marketplace_id)
    return known.vat_inclusive if known else True

"""Fixtures for payments: invoiced Amazon orders and settlement files written the way Amazon does."""

from __future__ import annotations

import pytest

from orderpilot.invoicing.tests.conftest import COMPANY, issue, make_order
from orderpilot.payments.importers.amazon_settlement import COLUMNS

__all__ = ["COMPANY", "issue", "make_order"]


@pytest.fixture
def company(db):
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.update_or_create(key="company", defaults={"value": COMPANY})
    return COMPANY


@pytest.fixture
def amazon(db):
    from orderpilot.channels.models import Channel

    return Channel.objects.create(code="amazon-de", kind="amazon", name="Amazon.de")


def invoiced_order(channel, external_id: str, **kwargs):
    """An order with its invoice issued and status ``invoiced``."""
    order = make_order(channel, external_id=external_id, **kwargs)
    issue(order)
    order.status = "invoiced"
    order.save(update_fields=["status"])
    return order


def settlement_file(summary: dict[str, str], rows: list[dict[str, str]], *, encoding: str = "utf-8") -> bytes:
    """A settlement flat file V2: header, summary row, one row per amount (tab-separated)."""
    lines = ["\t".join(COLUMNS)]
    for row in (summary, *rows):
        lines.append("\t".join(row.get(column, "") for column in COLUMNS))
    return ("\n".join(lines) + "\n").encode(encoding)


def amount_row(order_id: str, transaction: str, amount_type: str, description: str, amount: str, **extra):
    return {
        "settlement-id": "11946237041",
        "transaction-type": transaction,
        "order-id": order_id,
        "marketplace-name": "Amazon.de",
        "amount-type": amount_type,
        "amount-description": description,
        "amount": amount,
        "fulfillment-id": "MFN",
        "posted-date": extra.pop("posted", "20.11.2026"),
        **extra,
    }

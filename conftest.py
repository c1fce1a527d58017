"""Shared fixtures for the whole suite (app tests under src/, cross-app tests under tests/)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

SHARED = Path(__file__).resolve().parent.parent / "shared"

_counter = itertools.count(1)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not present at {SHARED}")
    return SHARED


@pytest.fixture
def channel(db):
    from orderpilot.channels.models import Channel

    # inactive: the tests feed its orders through import_order; nothing polls it
    return Channel.objects.create(code="shop", kind="gambio", name="Shop", active=False)


@pytest.fixture
def products(db):
    from orderpilot.catalog.models import Product

    return [
        Product.objects.create(sku="MUG-01", weight_g=450, length_mm=120, width_mm=100, height_mm=100),
        Product.objects.create(sku="LAMP-02", weight_g=6200, length_mm=1400, width_mm=300, height_mm=300),
    ]


@pytest.fixture
def warehouse(db):
    from orderpilot.shipping.models import Shipper

    return Shipper.objects.create(
        code="warehouse", kind="in_house", carrier="DHL", services=["standard", "express"], price_table=[]
    )


@pytest.fixture
def folder_shipper(db, tmp_path):
    from orderpilot.shipping.models import Shipper

    return Shipper.objects.create(
        code="folder-3pl",
        kind="external",
        carrier="DHL",
        transport={"kind": "folder", "path": str(tmp_path / "3pl")},
        document_format="json",
        price_table=[{"up_to_g": 31500, "eur": "4.50"}],
    )


def make_channel_order(external_id: str | None = None, **overrides):
    """A ready-to-release ``ChannelOrder`` with one MUG-01 line to a complete German address."""
    from orderpilot.channels.base import Buyer, ChannelLine, ChannelOrder, PostalAddress

    now = timezone.now()
    values = {
        "external_id": external_id or f"ORDER-{next(_counter):05d}",
        "marketplace_status": "Unshipped",
        "ordered_at": now - dt.timedelta(minutes=5),
        "updated_at": now - dt.timedelta(minutes=1),
        "currency": "EUR",
        "total_gross": Decimal("19.90"),
        "lines": (ChannelLine(external_line_id="1", sku="MUG-01", quantity=1, unit_price=Decimal("19.90")),),
        "buyer": Buyer(email="erika@example.com", name="Erika Mustermann"),
        "shipping_address": PostalAddress(
            name="Erika Mustermann", street="Heidestraße 17", postal_code="51147", city="Köln", country="DE"
        ),
    }
    values.update(overrides)
    return ChannelOrder(**values)


@pytest.fixture
def channel_order_factory():
    return make_channel_order

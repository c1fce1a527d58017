"""Dry run: which shipper would recent orders get under today's rules (nothing changes)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from orderpilot.shipping.dryrun import dry_run_selection
from orderpilot.shipping.models import Shipment, Shipper

from .conftest import route

pytestmark = pytest.mark.django_db


def test_dry_run_shows_current_and_new_choice_without_changing_anything(order_factory, folder_shipper, capsys):
    # given: two orders routed to the 3PL; then a cheaper warehouse opens
    first = order_factory()
    route(first)
    second = order_factory()
    route(second)
    unrouted = order_factory(lines=(("LAMP-02", 1),))
    Shipper.objects.create(code="warehouse", kind="in_house", priority=1, max_length_mm=600,
                           price_table=[{"up_to_g": 31500, "eur": "1.00"}])

    # when
    rows = dry_run_selection(last=2)
    call_command("shipping", "dry-run", "--last", "3")

    # then
    assert [(r.order, r.current, r.new, r.changed) for r in rows] == [
        (f"shop/{unrouted.external_id}", "", "folder-3pl", True),
        (f"shop/{second.external_id}", "folder-3pl", "warehouse", True),
    ]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["order", "current", "new", "why"]
    assert lines[1].split()[:3] == [f"shop/{unrouted.external_id}", "-", "folder-3pl"]
    assert lines[2].split()[:4] == [f"shop/{second.external_id}", "folder-3pl", "warehouse*", "1.00"]
    assert lines[3].split()[:3] == [f"shop/{first.external_id}", "folder-3pl", "warehouse*"]
    assert lines[4] == "3 order(s); 2 would go to another shipper today (*)"
    assert Shipment.objects.count() == 2
    assert set(Shipment.objects.values_list("shipper__code", flat=True)) == {"folder-3pl"}


def test_dry_run_names_why_no_shipper_fits(order_factory, warehouse):
    order_factory(cash_on_delivery=True)
    (row,) = dry_run_selection(last=1)
    assert (row.new, row.reasons) == ("", "warehouse: does not offer cod")

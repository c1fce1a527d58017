import datetime as dt
import io

import pytest
from django.core.management import call_command

from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_due_work
from orderpilot.orders.models import HoldRule, SalesOrder

pytestmark = pytest.mark.django_db


def test_same_customer_same_items_within_minutes_is_held_as_duplicate(
    channel, products, warehouse, channel_order_factory
):
    # given a duplicate rule and two identical orders five minutes apart
    HoldRule.objects.create(code="dup", when="duplicate", params={"minutes": 10})
    first = channel_order_factory("D-1")
    second = channel_order_factory("D-2", ordered_at=first.ordered_at + dt.timedelta(minutes=5))
    import_order(channel, first)
    import_order(channel, second)
    # when
    run_due_work(until_idle=True)
    # then the first runs on, the second waits for a person
    assert dict(SalesOrder.objects.values_list("external_id", "status")) == {"D-1": "transmitted", "D-2": "on_hold"}
    hold = SalesOrder.objects.get(external_id="D-2").hold_reasons.get()
    assert hold.evidence == {"similar_orders": ["D-1"]}


def test_same_items_an_hour_later_is_not_a_duplicate(channel, products, warehouse, channel_order_factory):
    HoldRule.objects.create(code="dup", when="duplicate", params={"minutes": 10})
    first = channel_order_factory("D-3")
    import_order(channel, first)
    import_order(channel, channel_order_factory("D-4", ordered_at=first.ordered_at + dt.timedelta(hours=1)))
    run_due_work(until_idle=True)
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {"transmitted"}


def test_dry_run_shows_which_past_orders_a_rule_would_hold_and_changes_nothing(
    channel, products, warehouse, channel_order_factory, tmp_path
):
    # given two shipped-out orders, one of them with a buyer note
    import_order(channel, channel_order_factory("R-1", buyer_note="Bitte klingeln"))
    import_order(channel, channel_order_factory("R-2"))
    run_due_work(until_idle=True)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[hold_rules]]\ncode = "note"\nwhen = "buyer_note"\n')
    out = io.StringIO()
    # when
    call_command("rules", "dry-run", "--file", str(rules), "--last", "10", stdout=out)
    # then
    assert out.getvalue().splitlines() == [
        "shop R-1: note (note: Bitte klingeln)",
        "1 of the last 10 order(s) would be held",
    ]
    assert HoldRule.objects.count() == 0
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {"transmitted"}

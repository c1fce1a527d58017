"""eBay orders through OrderPilot, over real HTTP against the eBay simulator: import, holds, release,
tracking written back exactly once, cancellations, payouts and the customer's emails."""

import datetime as dt
from decimal import Decimal

from django.core import mail
from django.db import transaction
from django.utils import timezone

from orderpilot.channels.ebay.connector import EbayConnector
from orderpilot.channels.ebay.mapping import format_time
from orderpilot.channels.models import Channel
from orderpilot.channels.services import poll_channel, queue_shipment_confirmation
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage
from orderpilot.orders.models import HoldRule, SalesOrder
from orderpilot.orders.states import OrderStatus
from orderpilot.shipping.services import record_tracking

from .conftest import ebay_order


def _ship(order: SalesOrder, tracking: str):
    """The warehouse confirms the package (record_tracking queues the marketplace confirmation), and the
    confirmation is queued a second time, as a duplicate trigger would: the outbox key keeps it one."""
    shipment = order.shipments.get()
    package, _ = record_tracking(shipment, tracking_number=tracking, carrier="DHL")
    with transaction.atomic():
        queue_shipment_confirmation(package)
    return package


def test_orders_are_imported_once_across_repeated_polls(ebay_channel, ebay_sim):
    # given
    ebay_sim.add_order(ebay_order())
    # when
    first = poll_channel(ebay_channel)
    second = poll_channel(Channel.objects.get(pk=ebay_channel.pk))
    # then
    assert (first, second) == (1, 0)
    order = SalesOrder.objects.get(channel=ebay_channel)
    assert (order.external_id, order.status, order.total_gross) == ("04-11302-58321", "imported", Decimal("39.20"))
    assert [(line.external_line_id, line.sku, line.quantity) for line in order.lines.all()] == [
        ("10068221301223", "MUG-01", 2), ("10068221301224", "TEA-03", 1),
    ]  # fmt: skip
    assert order.customer.email == "erika.mustermann@example.com"
    channel = Channel.objects.get(pk=ebay_channel.pk)
    assert (channel.last_poll_error, channel.poll_resume) == ("", None)
    assert channel.watermark is not None


def test_pages_are_followed_until_the_last(ebay_channel, ebay_sim, monkeypatch):
    # given three orders and pages of two
    monkeypatch.setattr("orderpilot.channels.ebay.connector.PAGE_SIZE", 2)
    for number in range(3):
        ebay_sim.add_order(ebay_order(orderId=f"04-11302-5832{number}"))
    # when
    imported = poll_channel(ebay_channel)
    # then
    assert imported == 3
    assert [c["status"] for c in ebay_sim.calls("getOrders")] == [200, 200]


def test_released_order_ships_and_tracking_is_written_back_exactly_once(ebay_channel, ebay_sim, products, warehouse):
    # given an imported order, released and in the warehouse's packing queue
    ebay_sim.add_order(ebay_order())
    poll_channel(ebay_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(channel=ebay_channel)
    assert order.status == OrderStatus.TRANSMITTED
    # when the package leaves, and the confirmation is queued again and delivered again
    package = _ship(order, "00340434161094042557")
    run_due_work(until_idle=True)
    _ship(order, "00340434161094042557")
    run_due_work(until_idle=True)
    # then eBay has exactly one fulfillment, for both lines
    lines = [{"lineItemId": "10068221301223", "quantity": 2}, {"lineItemId": "10068221301224", "quantity": 1}]
    assert [(f["orderId"], f["request"]) for f in ebay_sim.fulfillments()] == [
        ("04-11302-58321", {"lineItems": lines, "shippedDate": format_time(package.shipped_at),
                            "shippingCarrierCode": "DHL", "trackingNumber": "00340434161094042557"}),
    ]  # fmt: skip
    order.refresh_from_db()
    assert order.marketplace_confirmed_at is not None
    confirmations = OutboxMessage.objects.filter(order=order, kind="marketplace.confirm_shipment")
    assert [(m.status, m.result["created"]) for m in confirmations] == [("sent", True)]


def test_retry_does_not_create_a_fulfillment_ebay_already_has(ebay_channel, ebay_sim):
    # given a fulfillment created, whose answer was lost
    from orderpilot.channels.base import ShipmentConfirmation

    ebay_sim.add_order(ebay_order())
    confirmation = ShipmentConfirmation(
        order_external_id="04-11302-58321", package_reference=1, carrier="DHL", tracking_number="00340434161094042557",
        shipped_at=timezone.now(), items=(("10068221301223", 2),),
    )  # fmt: skip
    connector = EbayConnector(ebay_channel)
    first = connector.confirm_shipment(confirmation)
    # when
    repeat = connector.confirm_shipment(confirmation, is_retry=True)
    # then
    assert first == {"fulfillmentId": "00340434161094042557", "created": True, "shippingCarrierCode": "DHL"}
    assert repeat == {"fulfillmentId": "00340434161094042557", "created": False}
    assert len(ebay_sim.fulfillments()) == 1
    assert len(ebay_sim.calls("getShippingFulfillments")) == 1  # a first attempt does not look first


def test_buyer_note_holds_the_order(ebay_channel, ebay_sim, products, warehouse):
    # given
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    ebay_sim.add_order(ebay_order(buyerCheckoutNotes="Bitte erst nach dem 10. liefern."))
    # when
    poll_channel(ebay_channel)
    run_due_work(until_idle=True)
    # then
    order = SalesOrder.objects.get(channel=ebay_channel)
    assert (order.status, order.buyer_note) == (OrderStatus.ON_HOLD, "Bitte erst nach dem 10. liefern.")
    assert [h.code for h in order.hold_reasons.all()] == ["buyer_note"]
    assert not order.shipments.exists()


def test_order_waiting_for_payment_is_released_once_ebay_has_the_money(ebay_channel, ebay_sim, products, warehouse):
    # given an order eBay has not been paid for yet
    ebay_sim.add_order(ebay_order(orderPaymentStatus="PENDING"))
    poll_channel(ebay_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(channel=ebay_channel)
    assert (order.status, order.awaiting_marketplace) == (OrderStatus.IMPORTED, True)
    assert not OutboxMessage.objects.filter(order=order, kind="email").exists()
    # when the payment arrives
    ebay_sim.control.patch("/_sim/orders/04-11302-58321", json={"orderPaymentStatus": "PAID"})
    poll_channel(Channel.objects.get(pk=ebay_channel.pk))
    run_due_work(until_idle=True)
    # then
    order.refresh_from_db()
    assert (order.status, order.awaiting_marketplace) == (OrderStatus.TRANSMITTED, False)


def test_cancellation_at_ebay_stops_the_order_and_a_cancel_request_is_recorded(ebay_channel, ebay_sim):
    # given two imported orders
    ebay_sim.add_order(ebay_order(orderId="04-11302-00001"))
    ebay_sim.add_order(ebay_order(orderId="04-11302-00002"))
    poll_channel(ebay_channel)
    # when one is cancelled and the buyer asks to cancel the other
    ebay_sim.control.post("/_sim/orders/04-11302-00001/cancel", json={"cancelState": "CANCELED"})
    ebay_sim.control.post("/_sim/orders/04-11302-00002/cancel", json={"cancelState": "IN_PROGRESS"})
    poll_channel(Channel.objects.get(pk=ebay_channel.pk))
    # then
    cancelled, requested = SalesOrder.objects.filter(channel=ebay_channel).order_by("external_id")
    assert (cancelled.status, cancelled.marketplace_status) == (OrderStatus.CANCELLED, "CANCELED")
    assert (requested.status, requested.cancellation_requested) == (OrderStatus.IMPORTED, True)


def test_order_received_email_is_queued_and_sent_under_ebays_default_policy(ebay_channel, ebay_sim, products,
                                                                           warehouse):  # fmt: skip
    # given
    ebay_sim.add_order(ebay_order())
    # when
    poll_channel(ebay_channel)
    run_due_work(until_idle=True)
    # then
    order = SalesOrder.objects.get(channel=ebay_channel)
    emails = OutboxMessage.objects.filter(order=order, kind="email")
    assert [(m.idempotency_key, m.payload["to"], m.status) for m in emails] == [
        (f"mail:order_received:{order.pk}", "erika.mustermann@example.com", "sent"),
    ]  # fmt: skip
    assert [m.to for m in mail.outbox] == [["erika.mustermann@example.com"]]


def test_payouts_are_fetched_with_their_transactions_for_matching(ebay_channel, ebay_sim):
    # given a payout of the order's sale and a shipping label
    ebay_sim.add_order(ebay_order())
    ebay_sim.control.post("/_sim/payouts", json={"transactions": [
        {"transactionType": "SALE", "orderId": "04-11302-58321"},
        {"transactionType": "SHIPPING_LABEL", "amount": {"value": "5.49", "currency": "EUR"}},
    ]})  # fmt: skip
    # when
    payouts = list(EbayConnector(ebay_channel).fetch_payouts(since=timezone.now() - dt.timedelta(days=1)))
    # then
    [payout] = payouts
    assert (payout.payout_id, payout.status, payout.amount, payout.currency) == (
        "7000000001", "SUCCEEDED", Decimal("29.04"), "EUR",
    )  # fmt: skip
    sale, label = payout.lines
    assert (sale.kind, sale.order_external_id, sale.gross, sale.fees, sale.amount) == (
        "SALE", "04-11302-58321", Decimal("39.20"), Decimal("4.67"), Decimal("34.53"),
    )  # fmt: skip
    assert (label.kind, label.amount) == ("SHIPPING_LABEL", Decimal("-5.49"))
    assert payout.reconciles is True


def test_no_payouts_yields_nothing(ebay_channel, ebay_sim):
    assert list(EbayConnector(ebay_channel).fetch_payouts(since=timezone.now() - dt.timedelta(days=1))) == []


def test_succeeded_payouts_are_matched_to_their_orders_once(ebay_channel, ebay_sim):
    # given an imported order, its payout (sale net of fees, plus a shipping label) and one still on its way
    from orderpilot.channels.services import import_due_settlements
    from orderpilot.payments.models import Expense, PayoutImport, PayoutOrderMatch

    ebay_sim.add_order(ebay_order())
    poll_channel(ebay_channel)
    ebay_sim.control.post("/_sim/payouts", json={"transactions": [
        {"transactionType": "SALE", "orderId": "04-11302-58321"},
        {"transactionType": "SHIPPING_LABEL", "amount": {"value": "5.49", "currency": "EUR"}},
    ]})  # fmt: skip
    ebay_sim.control.post("/_sim/payouts", json={"payoutStatus": "INITIATED", "transactions": [
        {"transactionType": "CREDIT", "amount": {"value": "1.00", "currency": "EUR"}}]})  # fmt: skip
    # when the settlement job runs twice
    first = import_due_settlements()
    Channel.objects.filter(pk=ebay_channel.pk).update(settlements_checked_at=None)
    second = import_due_settlements()
    # then
    assert (first, second) == (1, 0)
    payout = PayoutImport.objects.get(source="ebay-de")
    assert (payout.settlement_id, payout.total_amount, payout.matched_total, payout.unmatched_total) == (
        "7000000001", Decimal("29.04"), Decimal("39.20"), Decimal("0.00"),
    )  # fmt: skip
    match = PayoutOrderMatch.objects.get(payout=payout)
    assert (match.order_ref, match.status, match.expected, match.received, match.fees) == (
        "04-11302-58321", "paid", Decimal("39.20"), Decimal("39.20"), Decimal("-4.67"),
    )  # fmt: skip
    assert sorted((e.type, e.amount) for e in Expense.objects.filter(payout=payout)) == [
        ("FINAL_VALUE_FEE", Decimal("-4.32")), ("FINAL_VALUE_FEE_FIXED_PER_ORDER", Decimal("-0.35")),
        ("SHIPPING_LABEL", Decimal("-5.49")),
    ]  # fmt: skip


def test_poll_interrupted_by_the_daily_limit_resumes_where_it_stopped(ebay_channel, ebay_sim, monkeypatch):
    # given three orders, pages of two, and eBay refusing the second page (429, long backoff)
    monkeypatch.setattr("orderpilot.channels.ebay.connector.PAGE_SIZE", 2)
    monkeypatch.setattr("orderpilot.channels.ebay.gateway._backoff", lambda attempt, floor=0.0: 600.0)
    for number in range(3):
        ebay_sim.add_order(ebay_order(orderId=f"04-11302-5833{number}"))
    ebay_sim.control.post("/_sim/faults", json={"status": 429, "count": 1, "after": 1, "operations": ["getOrders"]})
    # when
    first = poll_channel(ebay_channel)
    interrupted = Channel.objects.get(pk=ebay_channel.pk)
    resume, error, next_poll_at = interrupted.poll_resume, interrupted.last_poll_error, interrupted.next_poll_at
    second = poll_channel(interrupted)
    # then
    assert first == 2
    assert resume["offset"] == 2
    assert error.startswith("getOrders: 429 2001 Too many requests.")
    assert next_poll_at > timezone.now() + dt.timedelta(minutes=9)
    assert second == 1
    done = Channel.objects.get(pk=ebay_channel.pk)
    assert (done.poll_resume, done.last_poll_error) == (None, "")
    assert SalesOrder.objects.filter(channel=ebay_channel).count() == 3


def test_an_unreadable_order_is_rejected_and_the_others_are_read(ebay_channel, ebay_sim):
    # given two orders, one with a total that is not a number
    from orderpilot.channels.base import RejectedOrder

    ebay_sim.add_order(ebay_order(orderId="04-11302-00001"))
    ebay_sim.add_order(ebay_order(orderId="04-11302-00002"))
    ebay_sim.control.patch("/_sim/orders/04-11302-00001",
                           json={"pricingSummary": {"total": {"value": "n/a", "currency": "EUR"}}})  # fmt: skip
    # when
    [page] = EbayConnector(ebay_channel).fetch_changed_orders(since=None, resume=None)
    # then
    assert [o.external_id for o in page.orders] == ["04-11302-00002"]
    problem = "InvalidOperation: [<class 'decimal.ConversionSyntax'>]"
    assert page.rejected == (RejectedOrder(external_id="04-11302-00001", problem=problem),)

"""The Amazon connector over real HTTP against the SP-API simulator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from orderpilot.channels.services import poll_channel, queue_shipment_confirmation
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage, RateLimitBucket
from orderpilot.orders.models import SalesOrder
from orderpilot.shipping.services import record_tracking

pytestmark = pytest.mark.django_db


def _poll(channel):
    channel.refresh_from_db()
    return poll_channel(channel)


def test_orders_are_imported_once_across_repeated_and_overlapping_polls(amazon_sim, amazon_channel):
    # given three new orders
    ids = {amazon_sim.add_order() for _ in range(3)}
    # when polled twice (the second poll overlaps the first by ten minutes)
    assert _poll(amazon_channel) == 3
    assert _poll(amazon_channel) == 0
    # then each order exists once, with its customer and lines, imported once
    assert set(SalesOrder.objects.values_list("external_id", flat=True)) == ids
    for order in SalesOrder.objects.all():
        assert order.events.filter(kind="imported").count() == 1
        assert [(line.sku, line.quantity, line.external_line_id[:7]) for line in order.lines.all()] == [
            ("MUG-01", 2, order.external_id[4:11])
        ]
        assert order.customer.name == "Jürgen Weiß"
    amazon_channel.refresh_from_db()
    assert amazon_channel.watermark is not None
    assert amazon_channel.poll_resume is None
    assert amazon_channel.last_poll_error == ""


def test_more_orders_than_one_page(amazon_sim, amazon_channel):
    ids = {amazon_sim.add_order() for _ in range(130)}
    assert _poll(amazon_channel) == 130
    assert set(SalesOrder.objects.values_list("external_id", flat=True)) == ids


def test_pending_order_is_recorded_then_released_when_unshipped(amazon_sim, amazon_channel, products, warehouse):
    # given a Pending order (no buyer data yet at Amazon)
    order_id = amazon_sim.add_order(status="Pending")
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    assert (order.status, order.awaiting_marketplace, order.customer) == ("imported", True, None)
    # when Amazon releases it
    amazon_sim.set_status(order_id, "Unshipped")
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    # then it runs on to the warehouse
    order.refresh_from_db()
    assert order.status == "transmitted"
    assert order.customer is not None


def test_cancellation_before_shipment_stops_the_order(amazon_sim, amazon_channel, products, warehouse):
    order_id = amazon_sim.add_order(status="Pending")
    _poll(amazon_channel)
    amazon_sim.set_status(order_id, "Canceled")
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    assert order.status == "cancelled"
    assert order.shipments.count() == 0


def test_server_errors_are_retried_and_nothing_is_lost_or_doubled(amazon_sim, amazon_channel):
    ids = {amazon_sim.add_order() for _ in range(5)}
    amazon_sim.faults(status=500, rate=0.5, operations=["searchOrders"])
    for _ in range(6):
        _poll(amazon_channel)
        if SalesOrder.objects.count() == 5:
            break
    amazon_sim.faults(rate=0)
    _poll(amazon_channel)
    assert set(SalesOrder.objects.values_list("external_id", flat=True)) == ids
    assert all(o.events.filter(kind="imported").count() == 1 for o in SalesOrder.objects.all())


def test_the_published_rate_limit_is_never_exceeded(amazon_sim, amazon_channel):
    # given: searchOrders allows a burst of 20, then one call per 180 s
    amazon_sim.add_order()
    # when polled 25 times in a row
    for _ in range(25):
        _poll(amazon_channel)
    # then 20 calls went out, the rest waited for the bucket instead of drawing a 429
    bucket = RateLimitBucket.objects.get(key="amazon:amazon-de:searchOrders")
    assert bucket.tokens < 1
    amazon_channel.refresh_from_db()
    assert "rate limit reached" in amazon_channel.last_poll_error
    assert "429" not in amazon_channel.last_poll_error
    assert amazon_channel.next_poll_at is not None


def test_one_confirmation_per_package_with_amazons_carrier_code(amazon_sim, amazon_channel, products, warehouse):
    # given an order at the warehouse
    order_id = amazon_sim.add_order()
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    shipment = order.shipments.get()
    # when the tracking number comes in twice, and the engine runs twice
    for _ in range(2):
        package, created = record_tracking(shipment, tracking_number="00340434161234567890", carrier="Hermes")
        if created:
            with transaction.atomic():
                queue_shipment_confirmation(package)
    run_due_work(until_idle=True)
    run_due_work(until_idle=True)
    # then Amazon got one confirmation with the right codes, and the order knows it
    [confirmation] = amazon_sim.http.get("/_sim/shipment-confirmations").json()["confirmations"]
    text = str(confirmation)
    assert "'carrierCode': 'Hermes Logistik Gruppe'" in text
    assert "'trackingNumber': '00340434161234567890'" in text
    assert "'packageReferenceId': '1'" in text
    assert OutboxMessage.objects.get(kind="marketplace.confirm_shipment").status == "sent"
    order.refresh_from_db()
    assert order.marketplace_confirmed_at is not None


def test_a_retry_after_a_lost_answer_does_not_confirm_twice(amazon_sim, amazon_channel, products, warehouse):
    # given a confirmation that reached Amazon, but whose worker died before recording it
    order_id = amazon_sim.add_order()
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    shipment = SalesOrder.objects.get(external_id=order_id).shipments.get()
    record_tracking(shipment, tracking_number="00340434161234567891", carrier="DHL")
    from orderpilot.core.outbox import claim_due_messages, deliver_claimed_message

    [message] = [m for m in claim_due_messages(limit=10) if m.kind == "marketplace.confirm_shipment"]
    deliver_claimed_message(message)
    OutboxMessage.objects.filter(pk=message.pk).update(status="retry", sent_at=None)  # as if never recorded
    # when the entry is delivered again
    run_due_work(until_idle=True)
    # then Amazon still has one confirmation, and the retry is recorded as sent
    assert len(amazon_sim.http.get("/_sim/shipment-confirmations").json()["confirmations"]) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.result["already_confirmed"]) == ("sent", 2, True)


def test_throttling_answers_are_survived_without_losing_or_doubling(amazon_sim, amazon_channel):
    # given Amazon throttling most calls
    ids = {amazon_sim.add_order() for _ in range(4)}
    amazon_sim.faults(status=429, rate=0.6, operations=["searchOrders"])
    # when polls keep coming while time passes (a 429 empties the shared bucket: every worker waits)
    for _ in range(6):
        _poll(amazon_channel)
        bucket = RateLimitBucket.objects.filter(key="amazon:amazon-de:searchOrders")
        assert bucket.exists()
        bucket.update(updated_at=timezone.now() - dt.timedelta(minutes=10))  # ten minutes later
    amazon_sim.faults(rate=0)
    _poll(amazon_channel)
    # then every order is there once
    assert set(SalesOrder.objects.values_list("external_id", flat=True)) == ids
    assert all(o.events.filter(kind="imported").count() == 1 for o in SalesOrder.objects.all())


def test_review_request_goes_through_solicitations_only_inside_amazons_window(
    amazon_sim, amazon_channel, products, warehouse
):
    # given a shipped Amazon order whose review request is due (delay 0 s)
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.create(key="notifications", value={"review_request_after": 0})
    order_id = amazon_sim.add_order()
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    record_tracking(order.shipments.get(), tracking_number="00340434161234567892", carrier="DHL")
    run_due_work(until_idle=True)  # Amazon gets the confirmation; the order is shipped
    SalesOrder.objects.filter(pk=order.pk).update(status="paid", next_step_at=timezone.now())
    # when the engine asks for the review right away (Amazon's window opens 5 days after delivery)
    run_due_work(until_idle=True)
    # then nothing was sent, and the request waits to be tried again
    assert amazon_sim.http.get("/_sim/solicitations").json()["solicitations"] == []
    message = OutboxMessage.objects.get(kind="marketplace.request_review")
    assert message.status == "retry"
    # when Amazon's window has opened
    amazon_sim.http.post("/_sim/clock", json={"advance": "9d"})
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    run_due_work(until_idle=True)
    run_due_work(until_idle=True)
    # then exactly one solicitation went out
    assert len(amazon_sim.http.get("/_sim/solicitations").json()["solicitations"]) == 1
    message.refresh_from_db()
    assert (message.status, message.result) == ("sent", {"sent": True})
    order.refresh_from_db()
    assert order.status == "completed"


def test_a_review_request_whose_answer_was_lost_is_not_sent_twice(amazon_sim, amazon_channel, products, warehouse):
    import threading
    import time

    from orderpilot.channels.amazon.connector import AmazonConnector
    from orderpilot.channels.amazon.gateway import AmazonGateway

    # given a delivered order inside Amazon's review window
    order_id = amazon_sim.add_order()
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    record_tracking(order.shipments.get(), tracking_number="00340434161234567893", carrier="DHL")
    run_due_work(until_idle=True)
    amazon_sim.http.post("/_sim/clock", json={"advance": "9d"})
    # and Amazon acts on the request but the answer does not come back in time
    amazon_sim.faults(timeout=True, timeout_seconds=1.5, rate=1.0,
                      operations=["createProductReviewAndSellerFeedbackSolicitation"])  # fmt: skip

    def sent() -> list:
        return amazon_sim.http.get("/_sim/solicitations").json()["solicitations"]

    def clear_faults_once_amazon_has_it() -> None:
        deadline = time.monotonic() + 20
        while not sent() and time.monotonic() < deadline:
            time.sleep(0.05)
        amazon_sim.faults(rate=0)

    watcher = threading.Thread(target=clear_faults_once_amazon_has_it)
    watcher.start()
    # when the connector asks (its gateway repeats the call whose answer was lost, and Amazon refuses)
    connector = AmazonConnector(amazon_channel, gateway=AmazonGateway(amazon_channel, timeout=1.0, max_wait=10))
    result = connector.request_review(order_id)
    watcher.join()
    # then it counts as sent, and Amazon has one request
    assert result == {"sent": True, "repeat_refused": True}
    assert len(sent()) == 1


def test_a_review_request_that_reached_amazon_before_its_answer_was_lost_counts_as_sent(
    amazon_sim, amazon_channel, products, warehouse, monkeypatch
):
    from orderpilot.channels.amazon.gateway import AmazonGateway
    from orderpilot.core.exceptions import RetryableError
    from orderpilot.core.models import SystemSetting

    # given a delivered order inside Amazon's review window, its review request due at once
    SystemSetting.objects.create(key="notifications", value={"review_request_after": 0})
    order_id = amazon_sim.add_order()
    _poll(amazon_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    record_tracking(order.shipments.get(), tracking_number="00340434161234567895", carrier="DHL")
    run_due_work(until_idle=True)
    amazon_sim.http.post("/_sim/clock", json={"advance": "9d"})
    # and the first request reaches Amazon, but its answer never comes back
    create = AmazonGateway.create_review_solicitation

    def answer_lost(self, *args, **kwargs):
        create(self, *args, **kwargs)
        raise RetryableError("createProductReviewAndSellerFeedbackSolicitation: the connection was cut")

    monkeypatch.setattr(AmazonGateway, "create_review_solicitation", answer_lost)
    SalesOrder.objects.filter(pk=order.pk).update(status="paid", next_step_at=timezone.now())
    run_due_work(until_idle=True)
    message = OutboxMessage.objects.get(kind="marketplace.request_review")
    assert message.status == "retry"
    # when the outbox tries again (Amazon no longer offers a request for the order)
    monkeypatch.undo()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    run_due_work(until_idle=True)
    # then the earlier request counts as sent; Amazon has exactly one
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.result["answer_lost"] is True
    assert len(amazon_sim.http.get("/_sim/solicitations").json()["solicitations"]) == 1
    order.refresh_from_db()
    assert order.status == "completed"

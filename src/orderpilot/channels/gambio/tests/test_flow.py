"""Gambio shop orders through OrderPilot, over real HTTP against the Gambio simulator."""

import logging

import pytest
from django.db import transaction
from django.utils import timezone

from orderpilot.channels.base import ShipmentConfirmation
from orderpilot.channels.gambio.connector import GambioConnector
from orderpilot.channels.gambio.gateway import GambioGateway
from orderpilot.channels.models import Channel
from orderpilot.channels.services import poll_channel, queue_shipment_confirmation
from orderpilot.core.exceptions import RetryableError, TerminalError
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage
from orderpilot.orders.models import HoldRule, SalesOrder
from orderpilot.orders.states import OrderStatus
from orderpilot.shipping.services import record_tracking

from .conftest import gambio_order

PREPAYMENT = {"title": "Vorkasse", "module": "moneyorder"}
PAYPAL = {"title": "PayPal", "module": "paypal3"}


def _reload(channel: Channel) -> Channel:
    return Channel.objects.get(pk=channel.pk)


def test_orders_are_imported_once_with_the_shops_customer_number(gambio_channel, shop):
    # given
    shop.add_order(gambio_order(paymentType=PAYPAL))
    # when
    first = poll_channel(gambio_channel)
    second = poll_channel(_reload(gambio_channel))
    # then
    assert (first, second) == (1, 0)
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert (order.external_id, order.marketplace_status, order.payment_method) == ("400001", "Offen", "paypal")
    assert order.raw_payload["order"]["customer"]["number"] == "K10042"
    assert order.customer.email == "max.mustermann@example.com"
    assert [(n.channel, n.number) for n in order.customer.channel_numbers.all()] == [(gambio_channel, "K10042")]
    assert _reload(gambio_channel).last_poll_error == ""
    assert len(shop.calls("getOrder")) == 2  # one full order per poll that listed it


def test_prepaid_order_waits_for_payment_and_is_released_when_the_shop_books_it(gambio_channel, shop, products,
                                                                                warehouse):  # fmt: skip
    # given a prepayment order
    shop.add_order(gambio_order(paymentType=PREPAYMENT))
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert (order.status, order.awaiting_marketplace) == (OrderStatus.IMPORTED, True)
    assert not order.shipments.exists()
    # when the merchant books the payment in the shop
    shop.set_status(400001, 2, "Zahlung eingegangen")
    poll_channel(_reload(gambio_channel))
    run_due_work(until_idle=True)
    # then
    order.refresh_from_db()
    assert (order.status, order.awaiting_marketplace, order.marketplace_status) == (
        OrderStatus.TRANSMITTED, False, "In Bearbeitung",
    )  # fmt: skip
    assert order.shipments.get().shipper.code == "warehouse"


def test_channel_setting_releases_prepaid_orders_without_waiting(gambio_channel, shop, products, warehouse):
    # given
    gambio_channel.settings = {**gambio_channel.settings, "release_unpaid_prepayment": True}
    gambio_channel.save()
    shop.add_order(gambio_order(paymentType=PREPAYMENT))
    # when
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    # then
    assert SalesOrder.objects.get(channel=gambio_channel).status == OrderStatus.TRANSMITTED


def test_cash_on_delivery_goes_only_to_a_shipper_with_the_cod_service(gambio_channel, shop, products, cod_shippers):
    # given the fixture order paid cash on delivery, a cheaper shipper without COD and a dearer one with it
    shop.add_order(gambio_order())
    # when
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    # then
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert (order.cash_on_delivery, order.status) == (True, OrderStatus.TRANSMITTED)
    shipment = order.shipments.get()
    assert shipment.shipper.code == "dhl-cod"
    considered = {c["shipper"]: c["reasons"] for c in shipment.decision["considered"]}
    assert considered["cheap"] == ["does not offer cod"]


def test_cash_on_delivery_without_a_cod_shipper_is_held(gambio_channel, shop, products, warehouse):
    # given only the warehouse, which offers no cash on delivery
    shop.add_order(gambio_order())
    # when
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    # then
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert order.status == OrderStatus.ON_HOLD
    assert [h.code for h in order.hold_reasons.all()] == ["no_shipper"]
    assert not order.shipments.exists()


def test_customer_comment_holds_the_order(gambio_channel, shop, products, warehouse):
    # given
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    shop.add_order(gambio_order(paymentType=PAYPAL, comment="Bitte erst ab dem 15. liefern"))
    # when
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    # then
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert (order.status, order.buyer_note) == (OrderStatus.ON_HOLD, "Bitte erst ab dem 15. liefern")
    assert [h.code for h in order.hold_reasons.all()] == ["buyer_note"]


def test_status_and_tracking_code_are_written_back_exactly_once(gambio_channel, shop, products, warehouse):
    # given a released PayPal order in the warehouse's packing queue
    shop.add_order(gambio_order(paymentType=PAYPAL))
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(channel=gambio_channel)
    # when the package leaves (record_tracking queues the confirmation), is reported again, and the
    # confirmation is queued a second time by a duplicate trigger
    for _ in range(2):
        package, _ = record_tracking(order.shipments.get(), tracking_number="00340434161094042557", carrier="DHL")
        with transaction.atomic():
            queue_shipment_confirmation(package)
        run_due_work(until_idle=True)
    # then the shop got one tracking code and one shipped status
    assert [(u["orderId"], u["kind"], u["request"]) for u in shop.updates()] == [
        (400001, "tracking_code", {"trackingCode": "00340434161094042557", "parcelServiceId": "1", "languageId": "2"}),
        (400001, "status", {"statusId": 3, "comment": "Versendet mit DHL, Sendungsnummer 00340434161094042557 "
                                                       "(Paket 1, OrderPilot)", "customerNotified": False}),
    ]  # fmt: skip
    order.refresh_from_db()
    assert order.marketplace_confirmed_at is not None


def test_repeated_confirmation_after_a_lost_answer_writes_nothing_twice(gambio_channel, shop):
    # given the shop has the tracking code and the status already
    shop.add_order(gambio_order(paymentType=PAYPAL))
    confirmation = ShipmentConfirmation(order_external_id="400001", package_reference=1, carrier="dpd",
                                        tracking_number="01234567890123", shipped_at=timezone.now(),
                                        items=(("1", 2),))  # fmt: skip
    connector = GambioConnector(gambio_channel)
    first = connector.confirm_shipment(confirmation)
    # when
    repeat = connector.confirm_shipment(confirmation, is_retry=True)
    # then
    assert first["created"] == {"trackingCode": True, "status": True}
    assert repeat == {"trackingCodeId": first["trackingCodeId"], "historyId": first["historyId"],
                      "created": {"trackingCode": False, "status": False}}  # fmt: skip
    assert [u["kind"] for u in shop.updates()] == ["tracking_code", "status"]
    assert shop.updates()[0]["request"]["parcelServiceId"] == "2"  # DPD by name
    assert len(shop.calls("getOrderTrackingCodes")) == 1  # a first attempt does not look first


def test_retry_after_the_tracking_code_was_written_adds_only_the_status(gambio_channel, shop):
    # given the first attempt wrote the tracking code, then the shop failed on the status
    shop.add_order(gambio_order(paymentType=PAYPAL))
    shop.control.post("/_sim/faults", json={"status": 500, "count": 1, "operations": ["updateOrderStatus"]})
    confirmation = ShipmentConfirmation(order_external_id="400001", package_reference=1, carrier="DHL",
                                        tracking_number="00340434161094042557", shipped_at=timezone.now(),
                                        items=(("1", 2),))  # fmt: skip
    connector = GambioConnector(gambio_channel, gateway=GambioGateway(gambio_channel, max_wait=0.0))
    with pytest.raises(RetryableError):
        connector.confirm_shipment(confirmation)
    # when
    result = connector.confirm_shipment(confirmation, is_retry=True)
    # then
    assert result["created"] == {"trackingCode": False, "status": True}
    assert [u["kind"] for u in shop.updates()] == ["tracking_code", "status"]


def test_cancellation_in_the_shop_stops_the_order(gambio_channel, shop):
    # given
    shop.add_order(gambio_order(paymentType=PREPAYMENT))
    poll_channel(gambio_channel)
    # when
    shop.set_status(400001, 99, "Kunde hat storniert")
    poll_channel(_reload(gambio_channel))
    # then
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert (order.status, order.marketplace_status) == (OrderStatus.CANCELLED, "Storniert")


def test_order_received_email_is_queued_under_the_shops_default_policy(gambio_channel, shop, products, warehouse):
    # given
    shop.add_order(gambio_order(paymentType=PAYPAL))
    # when
    poll_channel(gambio_channel)
    run_due_work(until_idle=True)
    # then
    order = SalesOrder.objects.get(channel=gambio_channel)
    assert [(m.idempotency_key, m.payload["to"]) for m in OutboxMessage.objects.filter(order=order, kind="email")] == [
        (f"mail:order_received:{order.pk}", "max.mustermann@example.com"),
    ]  # fmt: skip


def test_many_orders_are_read_page_by_page(gambio_channel, shop, monkeypatch):
    # given three orders and pages of two
    monkeypatch.setattr("orderpilot.channels.gambio.connector.PAGE_SIZE", 2)
    for _ in range(3):
        shop.add_order(gambio_order(paymentType=PAYPAL))
    # when
    imported = poll_channel(gambio_channel)
    # then
    assert imported == 3
    assert len(shop.calls("getOrders")) == 2


def test_wrong_login_stops_the_poll_with_an_error_and_imports_nothing(gambio_channel, shop, caplog):
    # given
    gambio_channel.secrets = {"username": "api@shop.example", "password": "Sommer2026!"}
    gambio_channel.save()
    shop.add_order(gambio_order(paymentType=PAYPAL))
    # when
    with caplog.at_level(logging.DEBUG):
        imported = poll_channel(gambio_channel)
    # then
    assert imported == 0
    error = _reload(gambio_channel).last_poll_error
    assert error == "the shop refused the channel's API login: 401 Invalid Credentials"
    assert not SalesOrder.objects.exists()
    assert "Sommer2026!" not in caplog.text


def test_shop_errors_are_retried_then_reported_as_retryable(gambio_channel, shop):
    # given the shop fails twice, then answers
    shop.control.post("/_sim/faults", json={"status": 503, "count": 1, "operations": ["getOrders"]})
    gateway = GambioGateway(gambio_channel, max_wait=2.0)
    # when
    rows = gateway.modified_orders(modified="2026-01-01 00:00:00", page=1, per_page=50)
    shop.control.post("/_sim/faults", json={"status": 500, "count": 1, "operations": ["getOrders"]})
    impatient = GambioGateway(gambio_channel, max_wait=0.0)
    # then
    assert rows == []
    with pytest.raises(RetryableError, match="GET /orders: 500 Internal Server Error"):
        impatient.modified_orders(modified="2026-01-01 00:00:00", page=1, per_page=50)
    assert [c["status"] for c in shop.calls("getOrders")] == [503, 200, 500]


def test_unknown_order_in_a_confirmation_is_terminal(gambio_channel, shop):
    confirmation = ShipmentConfirmation(order_external_id="999", package_reference=1, carrier="DHL",
                                        tracking_number="X1", shipped_at=timezone.now(), items=())  # fmt: skip
    with pytest.raises(TerminalError, match="POST /orders/999/tracking_codes: 404 Record could not be found."):
        GambioConnector(gambio_channel).confirm_shipment(confirmation)
    assert shop.updates() == []


def test_poll_interrupted_by_a_shop_error_resumes_at_the_next_page(gambio_channel, shop, monkeypatch):
    # given three orders, pages of two, and the shop failing on the second page
    monkeypatch.setattr("orderpilot.channels.gambio.connector.PAGE_SIZE", 2)
    monkeypatch.setattr("orderpilot.channels.gambio.gateway._backoff", lambda attempt, floor=0.0: 600.0)
    for _ in range(3):
        shop.add_order(gambio_order(paymentType=PAYPAL))
    shop.control.post("/_sim/faults", json={"status": 503, "count": 1, "after": 1, "operations": ["getOrders"]})
    # when
    first = poll_channel(gambio_channel)
    interrupted = _reload(gambio_channel)
    resume, error = interrupted.poll_resume, interrupted.last_poll_error
    second = poll_channel(interrupted)
    # then
    assert first == 2
    assert resume["page"] == 2
    assert error == "GET /orders: 503 Internal Server Error"
    assert second == 1
    assert (_reload(gambio_channel).poll_resume, SalesOrder.objects.count()) == (None, 3)


def test_order_deleted_between_list_and_detail_is_skipped(gambio_channel, shop):
    # given two listed orders, the first of which is gone when its details are read
    shop.add_order(gambio_order(paymentType=PAYPAL))
    shop.add_order(gambio_order(paymentType=PAYPAL))
    shop.control.post("/_sim/faults", json={"status": 404, "count": 1, "operations": ["getOrder"]})
    # when
    imported = poll_channel(gambio_channel)
    # then
    assert imported == 1
    assert list(SalesOrder.objects.values_list("external_id", flat=True)) == ["400002"]
    assert _reload(gambio_channel).last_poll_error == ""


def test_an_unreadable_order_is_rejected_and_the_others_are_read(gambio_channel, shop):
    # given two orders, one with a total that is not a number
    from orderpilot.channels.base import RejectedOrder

    broken = gambio_order(paymentType=PAYPAL)
    broken["totals"] = [{"id": 1, "title": "Summe:", "value": "n/a", "valueText": "n/a", "class": "ot_total",
                         "sortOrder": 99}]  # fmt: skip
    shop.add_order(broken)
    shop.add_order(gambio_order(paymentType=PAYPAL))
    # when
    [page] = GambioConnector(gambio_channel).fetch_changed_orders(since=None, resume=None)
    # then
    assert [o.external_id for o in page.orders] == ["400002"]
    problem = "InvalidOperation: [<class 'decimal.ConversionSyntax'>]"
    assert page.rejected == (RejectedOrder(external_id="400001", problem=problem),)


def test_a_repeat_buyer_is_found_by_the_shops_customer_number_after_changing_email(gambio_channel, shop):
    # given
    shop.add_order(gambio_order(paymentType=PAYPAL))
    poll_channel(gambio_channel)
    first = SalesOrder.objects.get(channel=gambio_channel)
    # when the same shop customer orders again under a new email address
    second_order = gambio_order(paymentType=PAYPAL)
    second_order["customer"]["email"] = "max@neue-adresse.example"
    shop.add_order(second_order)
    poll_channel(_reload(gambio_channel))
    # then
    second = SalesOrder.objects.exclude(pk=first.pk).get(channel=gambio_channel)
    assert second.customer == first.customer
    assert second.events.filter(kind="customer_matched", data__how="number").exists()

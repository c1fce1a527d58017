"""Personal data: anonymised after the retention period (and on request), everywhere a copy of it
went, while invoices keep what tax law requires; a report of what is stored; a buyer's export."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from orderpilot.channels.base import Buyer, ChannelLine, PostalAddress
from orderpilot.channels.services import import_order
from orderpilot.core.actors import Actor
from orderpilot.core.jobs import JOBS, run_due_work, run_job
from orderpilot.core.models import OutboxMessage, SystemSetting
from orderpilot.customers.models import Address, AnonymisedOrder, Customer
from orderpilot.customers.privacy import anonymise_order, personal_data_report
from orderpilot.invoicing.models import Invoice, InvoiceDocument
from orderpilot.invoicing.tests.conftest import COMPANY
from orderpilot.orders.models import HoldRule, SalesOrder
from orderpilot.orders.services import transition_order
from orderpilot.shipping.models import ShipmentDocument
from orderpilot.shipping.services import record_tracking
from orderpilot.tickets.models import Ticket
from orderpilot.tickets.services import resolve_ticket

from .conftest import all_stored_text

pytestmark = pytest.mark.django_db

# ASCII on purpose: SQLite keeps JSON with \\u escapes, and the scan must find every copy
NAME = "Zoe Quxleybrand"
EMAIL = "zoe.quxley@example.com"
STREET = "Quxleyweg 42"
NOTE = "Bitte bei Quxley-Nachbarn abgeben"
GIFT = "Alles Gute, Quxley-Zoe"
PHONE = "+49 170 5550123"
CUSTOM = "https://custom.example/quxley-design"
PERSONAL = (NAME, EMAIL, STREET, NOTE, GIFT, PHONE, CUSTOM)
#: what tax law keeps: the invoice and its documents
LEGAL = ("invoicing.Invoice", "invoicing.InvoiceDocument")


def _raw(external_id: str) -> dict:
    """The order as Amazon's v2026 API sends it, with its personal data."""
    return {
        "orderId": external_id,
        "buyer": {"buyerEmail": EMAIL, "buyerName": NAME},
        "recipient": {"deliveryAddress": {"name": NAME, "addressLine1": STREET, "postalCode": "51147",
                                          "city": "Koeln", "countryCode": "DE", "phone": PHONE}},
        "orderItems": [{"orderItemId": "1", "quantityOrdered": 1,
                        "fulfillment": {"packing": {"giftOption": {"giftMessage": GIFT}}},
                        "product": {"sellerSku": "MUG-01", "customization": {"customizedUrl": CUSTOM}}}],
        "proceeds": {"grandTotal": {"amount": "19.90", "currencyCode": "EUR"}},
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1PA6795UKMFR9", "marketplaceName": "Amazon.de"},
    }


@pytest.fixture
def shop(channel, products, folder_shipper):
    SystemSetting.objects.update_or_create(key="company", defaults={"value": COMPANY})
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    return channel


def finished_order(channel, factory, external_id: str, *, email: str = EMAIL) -> SalesOrder:
    """An order that was held for its note, released, shipped, invoiced and completed."""
    address = PostalAddress(name=NAME, street=STREET, postal_code="51147", city="Koeln", country="DE", phone=PHONE)
    order = import_order(channel, factory(
        external_id=external_id, buyer_note=NOTE, gift_message=GIFT, raw=_raw(external_id),
        buyer=Buyer(email=email, name=NAME, phone=PHONE), shipping_address=address, billing_address=address,
        lines=(ChannelLine(external_line_id="1", sku="MUG-01", quantity=1, unit_price=Decimal("19.90"),
                           customization={"customizedUrl": CUSTOM}),),
    )).order
    run_due_work(until_idle=True)
    resolve_ticket(Ticket.objects.get(order=order, reason="hold"), actor=Actor("clerk"), requeue=True)
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "transmitted", order.status
    record_tracking(order.shipments.get(), tracking_number=f"TRACK{order.pk:08d}", carrier="DHL")
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "invoiced"
    transition_order(order, "completed", reason="test: nothing left to do")
    return order


def age(*orders: SalesOrder, days: float) -> None:
    """As if ``orders`` had last changed ``days`` ago (after all orders of a test exist: the engine
    runs the anonymisation job too)."""
    SalesOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
        updated_at=timezone.now() - dt.timedelta(days=days)
    )
    for order in orders:
        order.refresh_from_db()


def test_the_job_is_registered():
    assert JOBS["anonymise_personal_data"] == "orderpilot.customers.privacy.anonymise_expired_personal_data"


def test_after_the_retention_period_no_copy_of_the_buyers_data_is_left_but_the_invoice(
    shop, channel_order_factory
):
    # given: a completed order with its data spread over order, customer, delivery note, hold,
    # ticket, timeline and emails; invoiced (PDF and XML rendered)
    order = finished_order(shop, channel_order_factory, "SHOP-OLD-1")
    age(order, days=31)
    invoice = order.invoices.get()
    document = InvoiceDocument.objects.get(invoice=invoice)
    pdf, xml = bytes(document.pdf), bytes(document.xml)
    stored = all_stored_text(leave_out=LEGAL)
    assert all(value in stored for value in PERSONAL)  # the scan sees every copy before

    # when: the periodic job runs (30 days is the default)
    done = run_job("anonymise_personal_data")

    # then: the order and its customer were anonymised ...
    assert done == 2
    stored = all_stored_text(leave_out=LEGAL)
    assert [value for value in PERSONAL if value in stored] == []
    order.refresh_from_db()
    assert order.shipping_address == {"country": "DE"} == order.billing_address
    assert (order.buyer_note, order.gift_message) == ("", "")
    assert order.raw_payload["orderId"] == "SHOP-OLD-1"  # what identifies nobody stays
    assert order.raw_payload["buyer"] == "[anonymised]"
    assert order.raw_payload["salesChannel"]["marketplaceId"] == "A1PA6795UKMFR9"  # still needed, identifies nobody
    assert order.raw_payload["salesChannel"]["marketplaceName"] == "Amazon.de"
    assert order.lines.get().customization == {}
    assert order.shipments.get().shipping_address == {"country": "DE"}
    assert all(bytes(d.content) == b"" for d in ShipmentDocument.objects.filter(shipment__order=order))
    customer = Customer.objects.get(pk=order.customer_id)
    assert (customer.name, customer.email, customer.phone, customer.anonymised_at is not None) == ("", "", "", True)
    assert Address.objects.filter(customer=customer).count() == 0
    email = OutboxMessage.objects.get(idempotency_key=f"invoice:{invoice.number}:email")
    assert email.payload["to"] == "[anonymised]"
    # ... recorded in its timeline ...
    event = order.events.get(kind="personal_data_anonymised")
    assert "retention period of 30 days" in event.message
    assert AnonymisedOrder.objects.get(order=order).reason == "retention"
    # ... and the invoice is exactly as issued
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.buyer["name"], invoice.buyer["street"], invoice.buyer["email"]) == (NAME, STREET, EMAIL)
    document.refresh_from_db()
    assert (bytes(document.pdf), bytes(document.xml)) == (pdf, xml)
    # the order still shows what happened, without the person
    assert order.status == "completed"
    assert order.shipments.get().packages.get().tracking_number == f"TRACK{order.pk:08d}"
    # and a second run finds nothing to do
    assert run_job("anonymise_personal_data") == 0


def test_orders_inside_the_retention_period_and_open_orders_keep_their_data(shop, channel_order_factory):
    # given: the same buyer with an old finished order and a recent one; another buyer's open order
    old = finished_order(shop, channel_order_factory, "SHOP-OLD-2")
    recent = finished_order(shop, channel_order_factory, "SHOP-NEW-2")
    age(old, days=45)
    age(recent, days=5)
    assert old.customer_id == recent.customer_id
    open_order = import_order(shop, channel_order_factory(external_id="SHOP-OPEN-2",
                                                          buyer=Buyer(email="other@example.com", name="Other"))).order
    SalesOrder.objects.filter(pk=open_order.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))

    # when
    run_job("anonymise_personal_data")

    # then: only the old order lost its data; the customer keeps it while the recent order needs it
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.buyer_note == ""
    assert recent.buyer_note == NOTE
    assert Customer.objects.get(pk=old.customer_id).email == EMAIL
    assert SalesOrder.objects.get(pk=open_order.pk).customer.email == "other@example.com"
    assert not AnonymisedOrder.objects.filter(order__in=[recent, open_order]).exists()

    # when: the recent order's period is over too
    SalesOrder.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - dt.timedelta(days=31))
    run_job("anonymise_personal_data")

    # then: the customer follows
    assert Customer.objects.get(pk=old.customer_id).anonymised_at is not None


@override_settings(ORDERPILOT_PII_RETENTION_DAYS=0)
def test_the_retention_period_is_a_setting(shop, channel_order_factory):
    order = finished_order(shop, channel_order_factory, "SHOP-ZERO")
    age(order, days=1 / 86400)
    assert run_job("anonymise_personal_data") == 2


@override_settings(ORDERPILOT_PII_RETENTION_DAYS=-1)
def test_a_negative_retention_period_is_refused(db):
    with pytest.raises(ValueError, match="cannot be negative"):
        run_job("anonymise_personal_data")


def test_an_update_from_the_channel_brings_no_personal_data_back(shop, channel_order_factory):
    # given: an anonymised order
    order = finished_order(shop, channel_order_factory, "SHOP-BACK")
    age(order, days=31)
    anonymise_order(order, reason="retention")
    # when: the channel reports a change to it, with the buyer's data
    later = channel_order_factory(
        external_id="SHOP-BACK", buyer_note=NOTE, raw=_raw("SHOP-BACK"), buyer=Buyer(email=EMAIL, name=NAME),
        updated_at=timezone.now(), marketplace_status="Shipped",
    )
    assert import_order(shop, later).outcome == "updated"
    # then
    order.refresh_from_db()
    assert order.marketplace_status == "Shipped"
    assert EMAIL not in json.dumps(order.raw_payload)
    assert NAME not in json.dumps(order.raw_payload)
    assert order.buyer_note == ""


# --- the commands ------------------------------------------------------------------------------------


def test_report_tells_what_is_stored_and_when_it_goes(shop, channel_order_factory):
    first = finished_order(shop, channel_order_factory, "SHOP-R1")
    second = finished_order(shop, channel_order_factory, "SHOP-R2", email="r2@example.com")
    age(first, days=40)
    age(second, days=10)
    out = io.StringIO()

    call_command("privacy", "report", stdout=out)

    text = out.getvalue()
    assert "retention: 30 day(s) after an order is completed or cancelled" in text
    assert "customers with personal data: 2 (anonymised: 0)" in text
    assert "orders with personal data: 2, of them open: 0 (anonymised: 0)" in text
    assert "(1 due now)" in text
    assert "invoices keeping the buyer's data as tax law requires: 2" in text
    report = personal_data_report()
    assert report["oldest_personal_data"] is not None

    run_job("anonymise_personal_data")
    report = personal_data_report()
    assert (report["orders_with_personal_data"], report["orders_anonymised"], report["customers_anonymised"]) == (
        1, 1, 1,
    )
    next_at = report["next_anonymisation"]
    assert dt.timedelta(days=19) < next_at - timezone.now() < dt.timedelta(days=21)
    out = io.StringIO()
    call_command("privacy", "report", "--json", stdout=out)
    assert json.loads(out.getvalue())["due_now"] == 0


def test_export_writes_everything_about_the_buyer_for_them_alone(shop, channel_order_factory, tmp_path):
    order = finished_order(shop, channel_order_factory, "SHOP-EXP")
    age(order, days=1)
    target = tmp_path / "zoe.json"
    out = io.StringIO()

    call_command("privacy", "export", "--email", " ZOE.quxley@Example.com ", "-o", str(target), stdout=out)

    assert out.getvalue().strip() == f"1 customer(s), 1 order(s) → {target}"
    assert oct(os.stat(target).st_mode & 0o777) == "0o600"
    data = json.loads(target.read_text())
    [customer] = data["customers"]
    assert (customer["name"], customer["email"], customer["phone"]) == (NAME, EMAIL, PHONE)
    assert customer["addresses"][0]["street"] == STREET
    [exported] = customer["orders"]
    assert (exported["order"], exported["buyer_note"], exported["gift_message"]) == ("SHOP-EXP", NOTE, GIFT)
    assert exported["lines"][0]["customization"] == {"customizedUrl": CUSTOM}
    assert exported["invoices"][0]["number"] == order.invoices.get().number
    assert exported["shipments"][0]["tracking_numbers"] == [f"TRACK{order.pk:08d}"]
    assert any(mail["to"] == EMAIL for mail in exported["emails"])
    assert any(event["kind"] == "imported" for event in exported["timeline"])


@pytest.mark.parametrize(("args", "message"), [
    (["--email", "nobody@example.com"], "no customer found"),
    (["--email", "not-an-address"], "is not an email address"),
    ([], "name the buyer"),
])
def test_export_and_erase_need_a_known_buyer(db, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("privacy", "export", *args, "-o", str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match=message):
        call_command("privacy", "erase", *args)


def test_erase_anonymises_now_keeps_invoices_and_records_it(shop, channel_order_factory):
    # given: a buyer with two finished orders, one of them finished yesterday
    first = finished_order(shop, channel_order_factory, "SHOP-E1")
    second = finished_order(shop, channel_order_factory, "SHOP-E2")
    age(first, days=3)
    age(second, days=1)
    invoices = {i.pk: dict(i.buyer) for i in Invoice.objects.all()}

    # when: a dry run, then the erasure
    out = io.StringIO()
    call_command("privacy", "erase", "--email", EMAIL, "--dry-run", stdout=out)
    assert "would anonymise 1 customer(s) and 2 order(s); 2 invoice(s) keep" in out.getvalue()
    assert not AnonymisedOrder.objects.exists()
    out = io.StringIO()
    call_command("privacy", "erase", "--email", EMAIL, stdout=out)

    # then
    assert "anonymised 1 customer(s) and 2 order(s); 2 invoice(s) keep the buyer's data" in out.getvalue()
    assert [value for value in PERSONAL if value in all_stored_text(leave_out=LEGAL)] == []
    for order in (first, second):
        event = SalesOrder.objects.get(pk=order.pk).events.get(kind="personal_data_anonymised")
        assert "the buyer asked for erasure" in event.message
        assert event.actor.startswith("privacy-request:")
        assert AnonymisedOrder.objects.get(order=order).reason == "request"
    assert {i.pk: i.buyer for i in Invoice.objects.all()} == invoices
    # a second request finds the buyer no more
    with pytest.raises(CommandError, match="no customer found"):
        call_command("privacy", "erase", "--email", EMAIL)


def test_erase_refuses_while_an_order_still_needs_the_data(shop, channel_order_factory):
    # given: a finished order and one still on its way to the shipper
    age(finished_order(shop, channel_order_factory, "SHOP-E3"), days=3)
    waiting = import_order(
        shop, channel_order_factory(external_id="SHOP-E4", buyer=Buyer(email=EMAIL, name=NAME))
    ).order
    run_due_work(until_idle=True)
    waiting.refresh_from_db()
    before = all_stored_text()

    # when / then
    with pytest.raises(CommandError) as refused:
        call_command("privacy", "erase", "--email", EMAIL)
    assert "nothing erased: 1 order(s) still need the buyer's data" in str(refused.value)
    assert f"shop SHOP-E4 ({waiting.status})" in str(refused.value)
    assert all_stored_text() == before


def test_anonymise_command_runs_the_job(shop, channel_order_factory):
    age(finished_order(shop, channel_order_factory, "SHOP-CMD"), days=31)
    out = io.StringIO()
    call_command("privacy", "anonymise", stdout=out)
    assert out.getvalue().strip() == "anonymised: 2"

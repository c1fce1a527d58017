import datetime as dt

import pytest
from django.utils import timezone

from orderpilot.channels.base import Buyer, PostalAddress
from orderpilot.channels.models import Channel
from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage
from orderpilot.notifications.policy import effective_policy, may_email
from orderpilot.notifications.tracking import tracking_url
from orderpilot.orders.models import SalesOrder
from orderpilot.shipping.models import Package, Shipment

pytestmark = pytest.mark.django_db

LONDON = PostalAddress(name="Jane Doe", street="10 Downing Street", postal_code="SW1A 2AA", city="London", country="GB")


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def _retry_now():
    OutboxMessage.objects.filter(status="retry").update(next_attempt_at=timezone.now())


def test_german_buyer_gets_german_order_confirmation_once_even_after_a_refusal(
    smtp_inbox, channel, products, warehouse, channel_order_factory
):
    # given a mail server that refuses the first attempt
    smtp_inbox.refuse_next = 1
    import_order(channel, channel_order_factory("SHOP-100"))
    # when the engine runs, and again after the retry is due
    run_due_work(until_idle=True)
    assert smtp_inbox.messages == []
    assert OutboxMessage.objects.get(kind="email").status == "retry"
    _retry_now()
    run_due_work(until_idle=True)
    run_due_work(until_idle=True)
    # then exactly one German email arrived
    [mail] = smtp_inbox.messages
    assert mail["Subject"] == "Ihre Bestellung SHOP-100 ist eingegangen"
    assert mail["To"] == "erika@example.com"
    assert mail["From"] == "shop@example.com"
    assert "vielen Dank für Ihre Bestellung SHOP-100" in text_of(mail)
    assert "1 × MUG-01 – 19,90 EUR" in text_of(mail)
    assert OutboxMessage.objects.get(kind="email").status == "sent"


def test_british_buyer_gets_english(smtp_inbox, channel, products, warehouse, channel_order_factory):
    import_order(
        channel,
        channel_order_factory(
            "SHOP-101", language="en", buyer=Buyer(email="jane@example.co.uk", name="Jane Doe"), shipping_address=LONDON
        ),
    )
    run_due_work(until_idle=True)
    [mail] = smtp_inbox.messages
    assert mail["Subject"] == "We have received your order SHOP-101"
    assert "Total: 19.90 EUR" in text_of(mail)


def test_no_email_to_an_amazon_buyer_under_the_default_policy(smtp_inbox, products, warehouse, channel_order_factory):
    amazon = Channel.objects.create(code="amazon-de", kind="amazon")
    import_order(amazon, channel_order_factory("028-1111111-1111111"))
    run_due_work(until_idle=True)
    assert SalesOrder.objects.get().status == "transmitted"
    assert smtp_inbox.messages == []
    assert OutboxMessage.objects.filter(kind="email").count() == 0


def test_policy_defaults_and_overrides():
    amazon = Channel(code="a", kind="amazon")
    shop = Channel(code="s", kind="gambio")
    assert effective_policy(amazon) == {
        "order_received": False, "shipped": False, "invoice": False, "review_request": False, "ticket_reply": False,
    }
    assert all(effective_policy(shop).values())
    amazon.communication = {"invoice": True}
    shop.communication = {"review_request": False}
    assert may_email(amazon, "invoice") is True
    assert may_email(shop, "review_request") is False


def _paid_order(channel, channel_order_factory, *, shipped_days_ago: float, warehouse):
    order = import_order(channel, channel_order_factory("SHOP-200")).order
    SalesOrder.objects.filter(pk=order.pk).update(status="paid", next_step_at=timezone.now())
    shipment = Shipment.objects.create(number="LS-TEST-1", order=order, shipper=warehouse, status="confirmed")
    Package.objects.create(
        shipment=shipment, tracking_number="00340434161234567890", carrier="DHL", reference=1,
        shipped_at=timezone.now() - dt.timedelta(days=shipped_days_ago),
    )
    return order


def test_review_request_waits_for_its_delay_then_is_sent_once(
    smtp_inbox, channel, products, warehouse, channel_order_factory
):
    # given a paid order shipped two days ago, and a shop with a review page
    channel.settings = {"review_url": "https://shop.example/bewerten?bestellung={order}"}
    channel.save()
    order = _paid_order(channel, channel_order_factory, shipped_days_ago=2, warehouse=warehouse)
    # when the engine runs now
    run_due_work(until_idle=True)
    # then it waits until seven days after shipping
    order.refresh_from_db()
    assert order.status == "paid"
    expected_due = Package.objects.get().shipped_at + dt.timedelta(days=7)
    assert abs((order.next_step_at - expected_due).total_seconds()) < 1
    assert smtp_inbox.messages == []
    # when that time has come (moved into the past, as if five days passed)
    Package.objects.update(shipped_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    SalesOrder.objects.filter(pk=order.pk).update(next_step_at=timezone.now())
    run_due_work(until_idle=True)
    run_due_work(until_idle=True)
    # then one review request with the direct link went out and the order is complete
    [mail] = smtp_inbox.messages
    assert mail["Subject"] == "Wie gefällt Ihnen Ihre Bestellung SHOP-200?"
    assert "https://shop.example/bewerten?bestellung=SHOP-200" in text_of(mail)
    order.refresh_from_db()
    assert order.status == "completed"


def test_review_request_honours_the_opt_out(smtp_inbox, channel, products, warehouse, channel_order_factory):
    channel.settings = {"review_url": "https://shop.example/review/{order}"}
    channel.save()
    order = _paid_order(channel, channel_order_factory, shipped_days_ago=8, warehouse=warehouse)
    order.customer.email_opt_out = True
    order.customer.save()
    smtp_inbox.messages.clear()
    OutboxMessage.objects.all().delete()
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "completed"
    assert OutboxMessage.objects.filter(kind="email").count() == 0
    assert order.events.filter(kind="email_skipped").count() == 1


def test_a_merchant_template_replaces_the_default(smtp_inbox, channel, products, warehouse, channel_order_factory):
    from orderpilot.notifications.models import EmailTemplate

    EmailTemplate.objects.create(
        kind="order_received",
        language="de",
        subject="Danke, {{ customer.name }}!",
        text="Bestellung {{ order.external_id }}",
    )
    import_order(channel, channel_order_factory("SHOP-300"))
    run_due_work(until_idle=True)
    [mail] = smtp_inbox.messages
    assert mail["Subject"] == "Danke, Erika Mustermann!"
    assert text_of(mail).strip() == "Bestellung SHOP-300"


@pytest.mark.parametrize(
    ("carrier", "number", "url"),
    [("DHL", "00340434161234567890",
      "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161234567890"),
     ("DPD", "0123 4567", "https://tracking.dpd.de/status/de_DE/parcel/0123%204567"),
     ("Spedition Huber", "X1", "")],
)
def test_tracking_links(carrier, number, url):
    assert tracking_url(carrier, number) == url


def test_emails_carry_plain_text_and_html(smtp_inbox, channel, products, warehouse, channel_order_factory):
    from orderpilot.notifications.rendering import html_from_text

    import_order(channel, channel_order_factory("SHOP-400", buyer=Buyer(email="erika@example.com", name="<Erika>")))
    run_due_work(until_idle=True)
    [mail] = smtp_inbox.messages
    assert mail.get_body(("plain",)).get_content().startswith("Hallo <Erika>,")
    html = mail.get_body(("html",)).get_content()
    assert "<p>Hallo &lt;Erika&gt;,</p>" in html
    assert html_from_text("Link: https://shop.example/r?a=1") .count('<a href="https://shop.example/r?a=1">') == 1


def test_a_merchant_template_saved_between_two_runs_is_used_by_the_next_run(
    channel, products, warehouse, channel_order_factory
):
    from orderpilot.core.jobs import run_job
    from orderpilot.notifications.models import EmailTemplate

    # given an order confirmation queued by one run with the built-in template
    import_order(channel, channel_order_factory("SHOP-400"))
    run_job("advance_orders")
    # when the merchant saves a template before the next run
    EmailTemplate.objects.create(kind="order_received", language="de", subject="Danke!", text="Bestellung")
    import_order(channel, channel_order_factory("SHOP-401"))
    run_job("advance_orders")
    # then
    subjects = [m.payload["subject"] for m in OutboxMessage.objects.filter(kind="email").order_by("pk")]
    assert subjects == ["Ihre Bestellung SHOP-400 ist eingegangen", "Danke!"]

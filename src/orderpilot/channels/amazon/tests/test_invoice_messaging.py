"""Invoices sent to Amazon buyers through Messaging ``sendInvoice`` (channel setting
``invoice_delivery = "messaging"``), over real HTTP against the SP-API simulator."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from orderpilot.channels.amazon.connector import AmazonConnector, invoice_file_name
from orderpilot.channels.amazon.gateway import AmazonGateway, OutcomeUnknown
from orderpilot.channels.services import check_invoice_uploads
from orderpilot.channels.validation import channel_settings_problems, invoice_delivery
from orderpilot.core.exceptions import ConfigurationError, TerminalError
from orderpilot.core.jobs import run_due_work, run_job
from orderpilot.core.models import OutboxMessage, RateLimitBucket
from orderpilot.payments.tests.conftest import COMPANY, invoiced_order

from .conftest import DE

pytestmark = pytest.mark.django_db
UPLOAD_KIND = "marketplace.invoice_upload"


@pytest.fixture
def company(db):
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.update_or_create(key="company", defaults={"value": COMPANY})


@pytest.fixture
def messaging_channel(amazon_channel):
    amazon_channel.settings = {**amazon_channel.settings, "invoice_delivery": "messaging"}
    amazon_channel.save(update_fields=["settings"])
    return amazon_channel


def _messages(amazon_sim) -> list[dict]:
    return amazon_sim.http.get("/_sim/messages").json()["messages"]


def _invoice_feeds(amazon_sim) -> list[dict]:
    return [f for f in amazon_sim.http.get("/_sim/feeds").json()["feeds"] if f["feedType"] == "UPLOAD_VAT_INVOICE"]


def _pdf(invoice) -> bytes:
    from orderpilot.notifications.delivery import resolve_attachment

    return resolve_attachment({"kind": "invoice_pdf", "ref": invoice.number}).content


def _short_timeouts(monkeypatch, **options) -> None:
    """Every gateway the outbox builds gets these options (e.g. a 1 s timeout)."""
    original = AmazonGateway.__init__

    def init(self, channel, **kwargs):
        original(self, channel, **{**kwargs, **options})

    monkeypatch.setattr(AmazonGateway, "__init__", init)


def test_an_invoice_reaches_the_buyer_as_one_send_invoice_message_with_the_exact_pdf(
    amazon_sim, messaging_channel, company
):
    # given an Amazon order (known to Amazon) whose invoice was just issued on a "messaging" channel
    order_id = amazon_sim.add_order(status="Shipped")
    order = invoiced_order(messaging_channel, order_id)
    invoice = order.invoices.get()
    # when the invoice is rendered and the outbox delivers it (the same run checks uploads)
    run_due_work(until_idle=True)
    # then Amazon got one invoice message for the order, with the PDF byte for byte
    [message] = _messages(amazon_sim)
    assert (message["operation"], message["amazonOrderId"], message["marketplaceId"]) == ("sendInvoice", order_id, DE)
    [attachment] = message["attachments"]
    pdf = _pdf(invoice)
    assert (attachment["fileName"], attachment["size"], attachment["contentType"]) == (
        f"{invoice.number}.pdf",
        len(pdf),
        "application/pdf",
    )
    uploaded = amazon_sim.http.get(f"/_sim/uploads/{attachment['uploadDestinationId']}")
    assert uploaded.content == pdf
    # and the outbox entry says how it went, the order records it once, and no feed was used
    outbox = OutboxMessage.objects.get(kind=UPLOAD_KIND)
    assert outbox.status == "sent"
    assert {k: outbox.result[k] for k in ("via", "invoice", "fileName", "uploadDestinationId", "processingStatus")} == {
        "via": "messaging",
        "invoice": invoice.number,
        "fileName": f"{invoice.number}.pdf",
        "uploadDestinationId": attachment["uploadDestinationId"],
        "processingStatus": "DONE",
    }
    assert "sending_since" not in outbox.result
    assert order.events.filter(kind="invoice_uploaded").count() == 1
    assert _invoice_feeds(amazon_sim) == []
    # when the uploads are checked again
    assert check_invoice_uploads() == 0
    run_due_work(until_idle=True)
    # then nothing more happens
    assert len(_messages(amazon_sim)) == 1
    assert order.events.filter(kind="invoice_uploaded").count() == 1


def test_the_feed_stays_the_default_and_takes_no_message(amazon_sim, amazon_channel, company):
    # given a channel without invoice_delivery, and one that names the feed
    order_id = amazon_sim.add_order(status="Shipped")
    invoiced_order(amazon_channel, order_id)
    # when
    run_due_work(until_idle=True)
    # then
    assert invoice_delivery("amazon", amazon_channel.settings) == "feed"
    assert invoice_delivery("amazon", {"invoice_delivery": "feed"}) == "feed"
    assert len(_invoice_feeds(amazon_sim)) == 1
    assert _messages(amazon_sim) == []
    assert OutboxMessage.objects.get(kind=UPLOAD_KIND).result["processingStatus"] == "IN_QUEUE"


def test_a_lost_answer_is_not_repeated_and_goes_to_a_person(amazon_sim, messaging_channel, company, monkeypatch):
    # given Amazon takes the message but its answer comes after the client gave up
    _short_timeouts(monkeypatch, timeout=1.0)
    amazon_sim.faults(timeout=True, timeout_seconds=1.5, rate=1.0, operations=["sendInvoice"])
    order = invoiced_order(messaging_channel, amazon_sim.add_order(status="Shipped"))
    # when the outbox delivers the invoice, and runs again later
    run_due_work(until_idle=True)
    deadline = time.monotonic() + 10
    while not _messages(amazon_sim) and time.monotonic() < deadline:
        time.sleep(0.05)
    amazon_sim.faults(rate=0)
    run_due_work(until_idle=True)
    # then Amazon has one message; the entry is a dead letter with a ticket saying why, nothing repeated it
    assert len(_messages(amazon_sim)) == 1
    outbox = OutboxMessage.objects.get(kind=UPLOAD_KIND)
    assert (outbox.status, outbox.attempts) == ("dead", 1)
    assert "not repeated automatically" in outbox.last_error
    assert order.tickets.filter(status="open").count() == 1
    assert order.events.filter(kind="invoice_uploaded").count() == 0


def test_a_retry_after_a_worker_stopped_mid_send_does_not_send_again(amazon_sim, messaging_channel, company):
    # given an invoice message that reached Amazon, but whose worker stopped before recording it
    from orderpilot.core.outbox import claim_due_messages, deliver_claimed_message

    order = invoiced_order(messaging_channel, amazon_sim.add_order(status="Shipped"))
    run_job("render_invoices")
    [message] = [m for m in claim_due_messages(limit=10) if m.kind == UPLOAD_KIND]
    deliver_claimed_message(message)
    assert len(_messages(amazon_sim)) == 1
    sending = {"via": "messaging", "invoice": message.payload["invoice"], "sending_since": "2026-11-28T12:00:00+00:00"}
    OutboxMessage.objects.filter(pk=message.pk).update(status="retry", sent_at=None, result=sending)  # as if cut off
    # when the entry is delivered again
    run_due_work(until_idle=True)
    # then no second message; a person is asked to check
    assert len(_messages(amazon_sim)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("dead", 2)
    assert "not sent again" in message.last_error
    assert order.tickets.filter(status="open").count() == 1


def test_a_throttled_message_is_sent_once_on_a_later_attempt(amazon_sim, messaging_channel, company, monkeypatch):
    # given Amazon throttles sendInvoice (Amazon has not acted on a throttled call)
    _short_timeouts(monkeypatch, max_wait=0.5)
    amazon_sim.faults(status=429, rate=1.0, operations=["sendInvoice"])
    order = invoiced_order(messaging_channel, amazon_sim.add_order(status="Shipped"))
    # when the outbox tries, and later (no longer throttled) tries again
    run_due_work(until_idle=True)
    outbox = OutboxMessage.objects.get(kind=UPLOAD_KIND)
    first = (outbox.status, outbox.result)
    amazon_sim.faults(rate=0)
    OutboxMessage.objects.filter(pk=outbox.pk).update(next_attempt_at=timezone.now())
    RateLimitBucket.objects.all().delete()  # the buckets have refilled meanwhile
    run_due_work(until_idle=True)
    # then the first attempt left no note behind, and the message went out once
    assert first == ("retry", {})
    outbox.refresh_from_db()
    assert (outbox.status, outbox.attempts, outbox.result["via"]) == ("sent", 2, "messaging")
    assert len(_messages(amazon_sim)) == 1
    assert order.events.filter(kind="invoice_uploaded").count() == 1


def test_an_order_amazon_offers_no_invoice_message_for_is_not_sent(amazon_sim, messaging_channel, company):
    # given an order Amazon still holds as Pending (the simulator offers no message types for it)
    order = invoiced_order(messaging_channel, amazon_sim.add_order(status="Pending"))
    # when
    run_due_work(until_idle=True)
    # then
    outbox = OutboxMessage.objects.get(kind=UPLOAD_KIND)
    assert outbox.status == "dead"
    assert "offers no invoice message" in outbox.last_error
    assert _messages(amazon_sim) == []
    assert order.tickets.filter(status="open").count() == 1


def test_a_corrupted_upload_is_refused_by_amazons_storage_and_no_message_is_sent(
    amazon_sim, messaging_channel, monkeypatch
):
    # given an upload whose bytes change on the way (S3 checks them against Content-MD5)
    order_id = amazon_sim.add_order(status="Shipped")
    original = AmazonGateway._put_document

    def corrupt(self, url, content, headers, *, what):
        original(self, url, content[:-1] + b"X", headers, what=what)

    monkeypatch.setattr(AmazonGateway, "_put_document", corrupt)
    gateway = AmazonGateway(messaging_channel)
    noted = []
    # when / then
    with pytest.raises(TerminalError, match="BadDigest"):
        gateway.send_invoice_message(order_id, b"%PDF-1.7 invoice", "RE-1.pdf", DE, before_send=lambda: noted.append(1))
    assert (noted, _messages(amazon_sim)) == ([], [])


def test_send_invoice_with_an_upload_that_never_arrived_is_refused(amazon_sim, messaging_channel, monkeypatch):
    # given the upload step skipped: the destination exists but holds nothing
    order_id = amazon_sim.add_order(status="Shipped")
    monkeypatch.setattr(AmazonGateway, "_put_document", lambda self, url, content, headers, *, what: None)
    gateway = AmazonGateway(messaging_channel)
    # when / then: Amazon's 400 is terminal (not an unknown outcome), and nothing was recorded
    with pytest.raises(TerminalError, match="does not exist") as refused:
        gateway.send_invoice_message(order_id, b"%PDF-1.7 invoice", "RE-1.pdf", DE)
    assert not isinstance(refused.value, OutcomeUnknown)
    assert _messages(amazon_sim) == []


def test_invoice_delivery_takes_feed_or_messaging_on_amazon_channels_only(amazon_sim, amazon_channel):
    # when / then
    assert channel_settings_problems("amazon", {"invoice_delivery": "messaging"}) == []
    assert channel_settings_problems("amazon", None) == []
    assert channel_settings_problems("amazon", {"invoice_delivery": "email"}) == [
        "settings.invoice_delivery must be \"feed\" or \"messaging\", got 'email'"
    ]
    assert channel_settings_problems("ebay", {"invoice_delivery": "feed"}) == [
        "settings.invoice_delivery applies to Amazon channels only, not to 'ebay'"
    ]
    amazon_channel.settings = {**amazon_channel.settings, "invoice_delivery": "Messaging"}
    with pytest.raises(ConfigurationError, match="settings.invoice_delivery must be"):
        AmazonConnector(amazon_channel)


def test_invoice_file_names_keep_the_number_readable():
    assert invoice_file_name("RE-2026-000001") == "RE-2026-000001.pdf"
    assert invoice_file_name("RE/2026/1") == "RE-2026-1.pdf"
    assert invoice_file_name("///") == "invoice.pdf"


def test_finished_uploads_do_not_hide_newer_ones_from_the_check(amazon_sim, messaging_channel, company):
    # given many finished uploads sent before an invoice message that is not recorded yet
    order = invoiced_order(messaging_channel, amazon_sim.add_order(status="Shipped"))
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind=UPLOAD_KIND,
            idempotency_key=f"old-{n}",
            status="sent",
            next_attempt_at=timezone.now() - dt.timedelta(days=1),
            sent_at=timezone.now() - dt.timedelta(days=1),
            result={"feedId": str(n), "processingStatus": "DONE"},
        )
        for n in range(8)
    )
    OutboxMessage.objects.filter(kind=UPLOAD_KIND, order=order).update(
        status="sent", sent_at=timezone.now(), result={"via": "messaging", "invoice": "RE-X", "fileName": "RE-X.pdf"}
    )
    # when one is checked at a time (each check looks at four times as many entries)
    done = check_invoice_uploads(limit=1)
    # then the newer one is found
    assert done == 1
    assert order.events.filter(kind="invoice_uploaded").count() == 1

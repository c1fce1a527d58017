import datetime as dt
import email
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage, SystemSetting
from orderpilot.invoicing.models import Invoice, InvoiceDocument
from orderpilot.invoicing.services import store_document
from orderpilot.orders.engine import advance_due_orders
from orderpilot.shipping.models import Shipment, ShipmentLine, Shipper
from orderpilot.shipping.services import record_tracking

from .conftest import issue

pytestmark = pytest.mark.django_db


def _statuses(order):
    return [(e.data["from"], e.data["to"]) for e in order.events.filter(kind="status_changed")]


def test_shipped_order_is_invoiced_rendered_and_emailed_through_run_due_work(
    company, channel, products, warehouse, channel_order_factory, smtp_server
):
    # given a shop order that went to the warehouse, and a real SMTP server for the customer email
    controller, received = smtp_server
    SystemSetting.objects.create(
        key="notifications",
        value={"smtp_url": f"smtp://127.0.0.1:{controller.port}", "from": "shop@muster.example"},
    )
    order = import_order(channel, channel_order_factory("FLOW-1")).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "transmitted"
    # when the tracking number arrives and the jobs run
    record_tracking(order.shipments.get(), tracking_number="00340434161094042557")
    run_due_work(until_idle=True)
    # then the order is invoiced with one invoice for its one delivery
    order.refresh_from_db()
    year = timezone.now().year
    assert order.status == "invoiced"
    assert _statuses(order)[-1] == ("shipped", "invoiced")
    invoice = order.invoices.get()
    assert (invoice.number, invoice.shipment_id, invoice.gross_total) == (
        f"RE-{year}-000001",
        order.shipments.get().pk,
        Decimal("19.90"),
    )
    # and it was rendered by the job, and emailed once with the stored PDF attached
    document = InvoiceDocument.objects.get(invoice=invoice)
    message = OutboxMessage.objects.get(kind="email", idempotency_key=f"invoice:{invoice.number}:email")
    assert (message.status, message.attempts, message.payload["attachments"]) == (
        "sent",
        1,
        [{"kind": "invoice_pdf", "ref": invoice.number}],
    )
    assert "pdf" not in str(message.payload).replace("invoice_pdf", "")  # a reference, not the bytes
    mails = [email.message_from_bytes(raw) for raw in received.messages]
    (mail,) = [m for m in mails if "Rechnung" in m["Subject"]]  # the shipping email is another one
    assert mail["To"] == "erika@example.com"
    assert mail["Subject"] == f"Ihre Rechnung {invoice.number} zur Bestellung FLOW-1"
    (attachment,) = [part for part in mail.walk() if part.get_filename()]
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        f"{invoice.number}.pdf",
        "application/pdf",
    )
    assert attachment.get_payload(decode=True) == bytes(document.pdf)


def test_marketplace_that_invoices_itself_gets_no_invoice_and_the_order_waits(company, amazon, order_factory):
    # given an Amazon VCS channel and a shipped order due for its step
    amazon.settings = {"invoicing": "marketplace"}
    amazon.save()
    order = order_factory(amazon)
    order.next_step_at = timezone.now()
    order.save()
    # when
    advance_due_orders()
    # then
    order.refresh_from_db()
    assert (order.status, order.next_step_at) == ("shipped", None)
    assert Invoice.objects.count() == 0
    assert order.events.filter(kind="invoiced_by_marketplace").count() == 1


def test_replacement_order_is_completed_without_invoice(company, shop, order_factory):
    # given
    order = order_factory(shop, replacement=True)
    order.next_step_at = timezone.now()
    order.save()
    # when
    advance_due_orders()
    # then
    order.refresh_from_db()
    assert order.status == "completed"
    assert Invoice.objects.count() == 0


def test_amazon_orders_get_no_invoice_email_by_default_and_shops_do(company, amazon, shop, order_factory):
    # given one order per channel
    (amazon_invoice,) = issue(order_factory(amazon))
    (shop_invoice,) = issue(order_factory(shop))
    # then the shop's buyer gets an email; Amazon's gets the invoice through Amazon (upload feed)
    keys = set(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"invoice:{shop_invoice.number}:email", f"invoice:{amazon_invoice.number}:upload"}
    assert amazon_invoice.number == "RE-2026-000001"


def test_amazon_invoice_upload_can_be_switched_off(company, amazon, order_factory):
    amazon.settings = {"invoice_upload": False}
    amazon.save()
    issue(order_factory(amazon))
    assert OutboxMessage.objects.count() == 0


def test_channel_policy_can_switch_the_invoice_email_off(company, shop, order_factory):
    # given
    shop.communication = {"invoice": False}
    shop.save()
    # when
    issue(order_factory(shop))
    # then
    assert OutboxMessage.objects.count() == 0


def test_partial_deliveries_get_one_invoice_each_and_add_up_exactly(company, shop, order_factory):
    # given an order of three lamps shipped in two deliveries (2, then 1)
    order = order_factory(shop, lines=(("LAMP-02", "Lampe", 3, "33.33", "19"),), shipping="5.00")
    shipper = Shipper.objects.create(code="warehouse", kind="in_house", carrier="DHL")
    line = order.lines.get()
    first = Shipment.objects.create(
        number="LS-2026-000001",
        order=order,
        shipper=shipper,
        status="confirmed",
        confirmed_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
    )
    second = Shipment.objects.create(
        number="LS-2026-000002",
        order=order,
        shipper=shipper,
        status="confirmed",
        confirmed_at=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC),
    )
    ShipmentLine.objects.create(shipment=first, order_line=line, quantity=2)
    ShipmentLine.objects.create(shipment=second, order_line=line, quantity=1)
    # when
    invoices = issue(order)
    # then
    assert [(i.number, i.shipment_id, i.delivery_date.isoformat(), i.gross_total) for i in invoices] == [
        ("RE-2026-000001", first.pk, "2026-11-20", Decimal("71.66")),
        ("RE-2026-000002", second.pk, "2026-11-25", Decimal("33.33")),
    ]
    assert [line.kind for line in invoices[0].lines.all()] == ["goods", "shipping"]
    assert [line.kind for line in invoices[1].lines.all()] == ["goods"]
    assert sum(i.gross_total for i in invoices) == order.total_gross
    # and issuing again issues nothing
    assert issue(order) == []
    assert Invoice.objects.count() == 2


def test_unconfirmed_delivery_is_not_invoiced(company, shop, order_factory):
    # given an order whose only delivery note has not been confirmed
    order = order_factory(shop)
    shipper = Shipper.objects.create(code="warehouse", kind="in_house")
    shipment = Shipment.objects.create(
        number="LS-2026-000009", order=order, shipper=shipper, status="transmitted"
    )
    ShipmentLine.objects.create(shipment=shipment, order_line=order.lines.get(), quantity=1)
    order.next_step_at = timezone.now()
    order.save()
    # when
    advance_due_orders()
    # then the step stops with a ticket instead of inventing an invoice
    order.refresh_from_db()
    assert (order.status, order.next_step_at) == ("shipped", None)
    assert Invoice.objects.count() == 0
    assert order.tickets.get().reason == "processing_error"


@pytest.mark.urls("orderpilot.invoicing.tests.urls")
def test_invoice_pdf_endpoint(company, shop, order_factory, client):
    # given an issued invoice and a logged-in user
    (invoice,) = issue(order_factory(shop))
    user = get_user_model().objects.create_user("alice", password="x-secret-42")
    user.groups.add(Group.objects.get(name="operator"))  # the API needs the operator role
    # when an anonymous visitor asks, nothing is rendered or returned
    anonymous = client.get(f"/api/invoices/{invoice.number}/pdf")
    assert anonymous.status_code in (401, 403)
    assert InvoiceDocument.objects.count() == 0
    # when the user asks
    client.force_login(user)
    response = client.get(f"/api/invoices/{invoice.number}/pdf")
    # then the stored PDF/A comes back
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'
    assert response.content == bytes(store_document(invoice)[0].pdf)
    assert response.content.startswith(b"%PDF-")
    assert client.get("/api/invoices/RE-1999-999999/pdf").status_code == 404
    assert client.get(f"/api/invoices/{invoice.number}/xrechnung").status_code == 409


def test_an_invoice_that_cannot_be_rendered_gets_a_ticket_and_the_others_are_rendered(
    company, shop, order_factory
):
    # given two issued invoices, the first with a layout whose logo file has vanished
    from orderpilot.invoicing.services import render_pending_documents

    (broken,) = issue(order_factory(shop))
    (fine,) = issue(order_factory(shop))
    Invoice.objects.filter(pk=broken.pk).update(layout={"logo_path": "/nonexistent/logo.png"})
    # when
    stored = render_pending_documents()
    # then
    assert stored == 1
    assert list(InvoiceDocument.objects.values_list("invoice__number", flat=True)) == [fine.number]
    ticket = broken.order.tickets.get()
    assert (ticket.reason, ticket.problem_key) == ("processing_error", f"invoice-render:{broken.number}")
    assert "logo_path" in ticket.body

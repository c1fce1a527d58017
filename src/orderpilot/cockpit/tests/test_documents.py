"""Order, delivery note, invoice, payments and customer pages, and how they link to each other."""

from __future__ import annotations

import pytest

from orderpilot.core.models import OutboxMessage
from orderpilot.orders.models import OrderEvent

from .factories import (
    hold,
    make_customer,
    make_invoice,
    make_order,
    make_package,
    make_payment,
    make_shipment,
    make_shipper,
)

DECISION = {
    "chosen": "warehouse",
    "weight_g": 450,
    "considered": [
        {"shipper": "warehouse", "eligible": True, "reasons": ["can take the whole shipment"], "price": "3.90",
         "transit_days": 1},
        {"shipper": "freight", "eligible": False, "reasons": ["does not ship to DE"], "price": None,
         "transit_days": 3},
    ],
}


@pytest.fixture
def full_order(db):
    customer = make_customer("Erika Mustermann", "erika@example.com")
    order = make_order("302-5555555-0000001", customer=customer, status="invoiced", total="19.90")
    shipment = make_shipment(order, make_shipper("warehouse", carrier="DHL"), status="confirmed", decision=DECISION)
    make_package(shipment, "00340434161234567890")
    invoice = make_invoice(order, "RE-2026-000007", shipment=shipment)
    make_payment(order, "19.90", invoice=invoice, reference="SETTLEMENT-1")
    OrderEvent.objects.create(order=order, kind="status_changed", message="tracking 0034…", actor="shipper:warehouse",
                              data={"from": "transmitted", "to": "shipped"})
    OrderEvent.objects.create(order=order, kind="ticket_closed", message="checked the address", actor="olga")
    OutboxMessage.objects.create(kind="email.shipped", idempotency_key="mail:1", order=order, status="sent",
                                 next_attempt_at=order.ordered_at, sent_at=order.ordered_at, attempts=1)
    return order


@pytest.mark.django_db
def test_order_page_shows_status_shipper_tracking_and_links_to_every_document(operator_client, full_order):
    # given: an invoiced order with delivery note, parcel, invoice and payment
    shipment = full_order.shipments.get()

    # when
    html = operator_client.get(f"/orders/{full_order.pk}/").content.decode()

    # then
    assert '<span class="status status-invoiced">invoiced</span>' in html
    assert f'warehouse (<a href="/shipments/{shipment.number}/">{shipment.number}</a>, confirmed)' in html
    assert ">00340434161234567890</a>" in html
    assert f'<a href="/shipments/{shipment.number}/">Delivery note {shipment.number}</a>' in html
    assert f'<a href="/shipments/{shipment.number}/pdf/">PDF</a>' in html
    assert '<a href="/api/invoices/RE-2026-000007/pdf">Invoice RE-2026-000007 (PDF)</a>' in html
    assert f'<a href="/customers/{full_order.customer_id}/">Customer Erika Mustermann</a>' in html
    assert f'<a href="/orders/{full_order.pk}/payments/">Payments (1)</a>' in html


@pytest.mark.django_db
def test_order_page_shows_timeline_with_who_and_why_routing_and_outbox(operator_client, full_order):
    # given: the full order

    # when
    html = operator_client.get(f"/orders/{full_order.pk}/").content.decode()

    # then
    assert "status changed: transmitted → shipped" in html
    assert "<td>shipper:warehouse</td>" in html
    assert "<td>olga</td>" in html
    assert "checked the address" in html
    assert "Routing decision for" in html
    assert "does not ship to DE" in html
    assert "<td>email.shipped</td>" in html
    assert '<span class="outbox outbox-sent">sent</span>' in html


@pytest.mark.django_db
def test_order_page_lists_hold_reasons_and_offers_release(operator_client):
    # given
    order = make_order("HELD-1", buyer_note="Bitte klingeln")
    hold(order, rule="buyer-note")

    # when
    html = operator_client.get(f"/orders/{order.pk}/").content.decode()

    # then
    assert '<strong class="hold">buyer-note</strong>' in html
    assert f'action="/orders/{order.pk}/release/"' in html
    assert '<button type="submit">Release order</button>' in html


@pytest.mark.django_db
def test_buyer_note_with_html_is_shown_as_text(operator_client):
    # given
    order = make_order("XSS-1", buyer_note='<script>alert("x")</script><b>bold</b>')
    hold(order)

    # when
    pages = [operator_client.get(url).content.decode() for url in (
        f"/orders/{order.pk}/", "/queue/", f"/tickets/{order.tickets.get().pk}/"
    )]

    # then
    for html in pages:
        assert '<script>alert("x")</script>' not in html
        assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in pages[0]


@pytest.mark.django_db
def test_unknown_order_is_404(operator_client):
    # given: no orders

    # when
    response = operator_client.get("/orders/999/")

    # then
    assert response.status_code == 404


@pytest.mark.django_db
def test_delivery_note_page_shows_decision_parcels_and_links_back(operator_client, full_order):
    # given
    shipment = full_order.shipments.get()

    # when
    html = operator_client.get(f"/shipments/{shipment.number}/").content.decode()

    # then
    assert f'<a href="/orders/{full_order.pk}/">302-5555555-0000001</a>' in html
    assert '<tr class="chosen">' in html
    assert "does not ship to DE" in html
    assert ">00340434161234567890</a>" in html
    assert '<a href="/api/invoices/RE-2026-000007/pdf">Invoice RE-2026-000007 (PDF)</a>' in html
    assert f'<a href="/orders/{full_order.pk}/payments/">' in html
    assert f'<a href="/shipments/{shipment.number}/pdf/">Delivery note {shipment.number} (PDF)</a>' in html


@pytest.mark.django_db
def test_delivery_note_pdf_is_rendered_once_and_kept(operator_client, full_order):
    # given
    shipment = full_order.shipments.get()

    # when
    first = operator_client.get(f"/shipments/{shipment.number}/pdf/")
    second = operator_client.get(f"/shipments/{shipment.number}/pdf/")

    # then
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF-")
    assert first.content == second.content
    assert shipment.documents.filter(purpose="packing_slip").count() == 1


@pytest.mark.django_db
def test_invoice_page_shows_lines_totals_and_links(operator_client, full_order):
    # given: invoice RE-2026-000007 without a rendered document yet

    # when
    html = operator_client.get("/invoices/RE-2026-000007/").content.decode()
    xml = operator_client.get("/invoices/RE-2026-000007/xml/")

    # then
    assert '<a href="/api/invoices/RE-2026-000007/pdf">Invoice RE-2026-000007 (PDF)</a>' in html
    assert "e-invoice (XML)" not in html
    assert f'<a href="/orders/{full_order.pk}/">302-5555555-0000001</a>' in html
    assert "<strong>19.90 EUR</strong>" in html
    assert "SETTLEMENT-1" in html
    assert xml.status_code == 404


@pytest.mark.django_db
def test_payments_page_shows_the_difference(operator_client):
    # given
    order = make_order("PAY-1", status="invoiced", total="50.00")
    make_invoice(order, "RE-9", gross="50.00")
    make_payment(order, "45.50")

    # when
    html = operator_client.get(f"/orders/{order.pk}/payments/").content.decode()

    # then
    assert "<dd>50.00 EUR</dd>" in html
    assert "<dd>45.50 EUR</dd>" in html
    assert '<strong class="late">-4.50 EUR</strong>' in html
    assert '<a href="/api/invoices/RE-9/pdf">RE-9 (PDF)</a>' in html


@pytest.mark.django_db
def test_customer_page_lists_orders_addresses_and_tickets(operator_client):
    # given
    customer = make_customer("Max Muster", "max@example.com")
    first = make_order("C-1", customer=customer)
    second = make_order("C-2", customer=customer)
    hold(second)
    make_order("OTHER")

    # when
    html = operator_client.get(f"/customers/{customer.pk}/").content.decode()

    # then
    assert '<a href="/orders/' in html
    assert f'<a href="/orders/{first.pk}/">C-1</a>' in html
    assert f'<a href="/orders/{second.pk}/">C-2</a>' in html
    assert "OTHER" not in html
    assert "Heidestraße 17" in html
    assert f'<a href="/tickets/{second.tickets.get().pk}/">' in html


@pytest.mark.django_db
def test_customer_page_shows_the_channels_customer_number(operator_client):
    from orderpilot.customers.models import ChannelCustomerNumber

    # given
    customer = make_customer("Max Muster", "max@example.com")
    order = make_order("C-1", customer=customer)
    ChannelCustomerNumber.objects.create(customer=customer, channel=order.channel, number="K<10042>")
    # when
    html = operator_client.get(f"/customers/{customer.pk}/").content.decode()
    # then
    assert f"<dt>Customer number at {order.channel.code}</dt><dd>K&lt;10042&gt;</dd>" in html

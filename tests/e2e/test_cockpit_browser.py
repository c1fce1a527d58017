"""The cockpit in a real browser: log in, find an order by tracking number, open its invoice PDF within two
clicks from the board, release a held order from its ticket, confirm a shipment in the packing view, and
an operator is refused the settings. Screenshots of board, order page and KPI page are kept as artefacts."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from orderpilot.cockpit.tests.factories import (
    hold,
    make_customer,
    make_invoice,
    make_order,
    make_package,
    make_payment,
    make_shipment,
    make_shipper,
)
from orderpilot.orders.models import SalesOrder
from orderpilot.shipping.models import Package
from orderpilot.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

TRACKING = "00340434161094042557"
INVOICE = "RE-2026-000123"


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create_user("olga", password="pw-olga-browser-1")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def log_in(page, live_server, path: str = "/") -> None:
    page.goto(f"{live_server.url}{path}")
    assert "/login/" in page.url
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", "pw-olga-browser-1")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_find_order_by_tracking_number_and_open_its_invoice_pdf(page, live_server, operator, screenshots):
    # given: a shipped and invoiced order among others
    customer = make_customer("Erika Mustermann", "erika@example.com")
    order = make_order("302-7777777-1234567", customer=customer, status="invoiced", total="24.90")
    shipment = make_shipment(order, make_shipper("warehouse", carrier="DHL"), status="confirmed")
    make_package(shipment, TRACKING)
    make_invoice(order, INVOICE, shipment=shipment)
    make_payment(order, "24.90")
    for i in range(3):
        make_order(f"028-000000{i}-0000000", customer=make_customer(f"Kunde {i}", f"k{i}@example.com"))

    # when: log in, search the tracking number, open the order (click 1), follow the invoice PDF link (click 2)
    log_in(page, live_server)
    page.fill("input[name=q]", TRACKING)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    results = page.locator("#board-rows td:first-child a")
    assert results.all_inner_texts() == ["302-7777777-1234567"]
    page.screenshot(path=str(screenshots / "board.png"), full_page=True)
    results.first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(screenshots / "order-detail.png"), full_page=True)
    pdf_link = page.get_by_role("link", name=f"Invoice {INVOICE} (PDF)")

    # then
    assert page.url == f"{live_server.url}/orders/{order.pk}/"
    assert pdf_link.get_attribute("href") == f"/api/invoices/{INVOICE}/pdf"
    assert page.get_by_role("link", name=f"Delivery note {shipment.number}").count() == 1
    assert page.get_by_role("link", name="Customer Erika Mustermann").count() == 1
    assert page.get_by_role("link", name=re.compile(r"^Payments \(1\)$")).count() == 1


def test_invoice_pdf_link_serves_the_pdf(page, live_server, operator):
    # given: an invoiced order; the PDF comes from the invoicing app's API route
    from orderpilot.core.models import SystemSetting
    from orderpilot.invoicing.services import issue_invoices_for_order

    SystemSetting.objects.update_or_create(
        key="company",
        defaults={"value": {"name": "Muster GmbH", "street": "Hauptstr. 1", "postal_code": "94032", "city": "Passau",
                            "country": "DE", "vat_id": "DE123456789", "tax_number": "123/456/78901"}},
    )
    order = make_order("302-7777777-7654321", customer=make_customer(), status="shipped", total="24.90")
    make_shipment(order, make_shipper("warehouse", carrier="DHL"), status="confirmed")
    [invoice] = issue_invoices_for_order(order)  # a real invoice: the route renders its PDF/A-3

    # when
    log_in(page, live_server, f"/orders/{order.pk}/")
    with page.expect_response(lambda response: response.url.endswith(f"/api/invoices/{invoice.number}/pdf")) as seen:
        page.get_by_role("link", name=f"Invoice {invoice.number} (PDF)").click()

    # then the browser opened the PDF (Chromium shows it in its viewer, whose page replaces the body
    # Playwright reports, so the bytes are fetched again with the same session)
    response = seen.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    fetched = page.context.request.get(response.url)
    assert fetched.body()[:5] == b"%PDF-"


def test_release_a_held_order_from_its_ticket(page, live_server, operator):
    # given
    order = make_order("303-4444444-0000001", buyer_note="<b>Bitte</b> als Geschenk verpacken")
    ticket = hold(order, rule="buyer-note")

    # when
    log_in(page, live_server, f"/tickets/{ticket.pk}/")
    assert page.locator(".note").first.inner_text() == "<b>Bitte</b> als Geschenk verpacken"
    page.fill("#release-note", "Geschenkpapier vorhanden")
    page.get_by_role("button", name="Release order and resolve ticket").click()
    page.wait_for_load_state()

    # then
    assert page.get_by_role("status").inner_text() == (
        f"Ticket #{ticket.pk} resolved; the order goes on automatically.")
    assert SalesOrder.objects.get(pk=order.pk).status == "released"
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_confirm_a_shipment_in_the_packing_view(page, live_server, operator, screenshots):
    # given
    order = make_order("304-5555555-0000001", status="transmitted")
    shipment = make_shipment(order, make_shipper("warehouse", kind="in_house", carrier="DHL"))

    # when
    log_in(page, live_server, "/packing/")
    page.get_by_label(f"Tracking number for {shipment.number}").fill(TRACKING)
    page.locator(f"#tracking-{shipment.pk} + button").click()
    page.wait_for_load_state()

    # then
    assert page.get_by_role("status").inner_text() == f"{shipment.number} confirmed with DHL {TRACKING}."
    assert list(Package.objects.values_list("tracking_number", flat=True)) == [TRACKING]
    assert SalesOrder.objects.get(pk=order.pk).status == "shipped"
    page.goto(f"{live_server.url}/kpis/")
    assert page.locator("figure svg").count() == 5
    page.screenshot(path=str(screenshots / "kpis.png"), full_page=True)


def test_operator_is_refused_the_settings(page, live_server, operator):
    # given: an operator logged in
    log_in(page, live_server)

    # when
    response = page.goto(f"{live_server.url}/settings/")

    # then
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    assert page.get_by_role("link", name="Settings").count() == 0

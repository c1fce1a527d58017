"""Work views: manual queue, tickets, packing, overdue confirmations, payment differences, attention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from orderpilot.shipping.models import Package
from orderpilot.tickets.models import Ticket, TicketComment

from .factories import hold, make_invoice, make_order, make_payment, make_shipment, make_shipper


@pytest.fixture
def held(db):
    order = make_order("HELD-1", status="imported", buyer_note="Bitte als Geschenk")
    ticket = hold(order)
    return order, ticket


@pytest.mark.django_db
def test_manual_queue_lists_held_orders_with_evidence(operator_client, held):
    # given
    order, ticket = held
    make_order("NOT-HELD")

    # when
    html = operator_client.get("/queue/").content.decode()

    # then
    assert f'<a href="/orders/{order.pk}/">HELD-1</a>' in html
    assert "NOT-HELD" not in html
    assert "<strong>buyer-note</strong>: note = Bitte als Geschenk" in html
    assert f'<a href="/tickets/{ticket.pk}/">#{ticket.pk}</a>' in html
    assert f'<label for="note-{order.pk}" class="visually-hidden">' in html


@pytest.mark.django_db
def test_release_from_the_order_page_puts_the_order_back_and_closes_the_ticket(operator_client, held, operator):
    # given
    order, ticket = held

    # when
    response = operator_client.post(f"/orders/{order.pk}/release/", {"note": "Geschenk ok"})

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert order.status == "released"
    assert order.overridden_rules == ["buyer-note"]
    assert ticket.status == "closed"
    event = order.events.get(kind="status_changed")
    assert (event.actor, event.message) == ("olga", "Geschenk ok")


@pytest.mark.django_db
def test_release_of_an_order_not_on_hold_is_refused_and_changes_nothing(operator_client):
    # given
    order = make_order("FREE", status="released")

    # when
    response = operator_client.post(f"/orders/{order.pk}/release/", {"note": ""}, follow=True)

    # then
    assert "Order FREE is not on hold." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "released"
    assert order.events.count() == 0


@pytest.mark.django_db
def test_release_without_csrf_token_is_refused(operator, held):
    # given
    order, ticket = held
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)

    # when
    response = browser.post(f"/orders/{order.pk}/release/", {"note": "x"})

    # then
    assert response.status_code == 403
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (order.status, ticket.status) == ("on_hold", "open")


@pytest.mark.django_db
def test_ticket_page_shows_the_whole_context(operator_client, held):
    # given
    order, ticket = held
    shipment = make_shipment(order, status="created")
    make_invoice(order, "RE-77")
    make_payment(order, "19.90", reference="PAY-REF-1")

    # when
    html = operator_client.get(f"/tickets/{ticket.pk}/").content.decode()

    # then
    assert f"#{ticket.pk}: HELD-1: buyer-note" in html
    for expected in ("Kaffeebecher", "Heidestraße 17", shipment.number, '<a href="/api/invoices/RE-77/pdf">',
                     "PAY-REF-1", "Timeline", "Release order and resolve ticket"):
        assert expected in html


@pytest.mark.django_db
def test_release_from_the_ticket_resolves_it_and_requeues_the_order(operator_client, held):
    # given
    order, ticket = held

    # when
    response = operator_client.post(f"/tickets/{ticket.pk}/release/", {"note": "Kunde angerufen"}, follow=True)

    # then
    assert f"Ticket #{ticket.pk} resolved; the order goes on automatically." in response.content.decode()
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert (ticket.status, ticket.resolution) == ("closed", "Kunde angerufen")
    assert order.status == "released"


@pytest.mark.django_db
def test_resolving_a_hold_ticket_without_requeue_is_refused_while_the_order_waits(operator_client, held):
    # given
    order, ticket = held

    # when
    response = operator_client.post(f"/tickets/{ticket.pk}/resolve/", {"resolution": "done"}, follow=True)

    # then
    assert "The order is still on hold" in response.content.decode()
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert (ticket.status, order.status) == ("open", "on_hold")


@pytest.mark.django_db
def test_resolving_an_other_ticket_without_requeue_closes_it(operator_client):
    # given
    order = make_order("X-1", status="shipped")
    ticket = Ticket.objects.create(order=order, reason="other", problem_key="x:1", title="look")

    # when
    operator_client.post(f"/tickets/{ticket.pk}/resolve/", {"resolution": "looked"})

    # then
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert (ticket.status, ticket.resolution) == ("closed", "looked")
    assert order.status == "shipped"


@pytest.mark.django_db
def test_comment_is_added_with_its_author_and_shown_as_text(operator_client, held):
    # given
    _order, ticket = held

    # when
    response = operator_client.post(f"/tickets/{ticket.pk}/comment/", {"body": "<i>rückgerufen</i>"}, follow=True)

    # then
    comment = TicketComment.objects.get()
    assert (comment.ticket_id, comment.author, comment.body) == (ticket.pk, "olga", "<i>rückgerufen</i>")
    assert "&lt;i&gt;rückgerufen&lt;/i&gt;" in response.content.decode()


@pytest.mark.django_db
def test_empty_comment_is_refused(operator_client, held):
    # given
    _order, ticket = held

    # when
    operator_client.post(f"/tickets/{ticket.pk}/comment/", {"body": ""})

    # then
    assert TicketComment.objects.count() == 0


@pytest.mark.django_db
def test_ticket_list_filters_by_reason_and_status(operator_client, held):
    # given
    _order, hold_ticket = held
    other = Ticket.objects.create(reason="payment_difference", problem_key="p:1", title="Differenz 3 EUR")
    Ticket.objects.create(reason="other", problem_key="o:1", title="erledigt", status="closed",
                          closed_at=timezone.now())

    # when
    open_html = operator_client.get("/tickets/").content.decode()
    payment_html = operator_client.get("/tickets/", {"reason": "payment_difference"}).content.decode()
    closed_html = operator_client.get("/tickets/", {"status": "closed"}).content.decode()

    # then
    assert f"#{hold_ticket.pk} " in open_html
    assert f"#{other.pk} " in open_html
    assert "erledigt" not in open_html
    assert f"#{other.pk} " in payment_html
    assert f"#{hold_ticket.pk} " not in payment_html
    assert "erledigt" in closed_html
    assert f"#{other.pk} " not in closed_html


@pytest.fixture
def packing_order(db):
    order = make_order("PACK-1", status="transmitted")
    shipment = make_shipment(order, make_shipper("warehouse", kind="in_house", carrier="DHL"))
    return order, shipment


@pytest.mark.django_db
def test_packing_confirms_the_shipment_with_the_scanned_tracking_number(operator_client, packing_order):
    # given
    order, shipment = packing_order

    # when
    response = operator_client.post(
        "/packing/confirm/", {"shipment": shipment.number, "tracking_number": " 00340434161234567890 "}, follow=True
    )

    # then
    assert f"{shipment.number} confirmed with DHL 00340434161234567890." in response.content.decode()
    package = Package.objects.get()
    assert (package.shipment_id, package.tracking_number, package.carrier) == (
        shipment.pk, "00340434161234567890", "DHL")
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert (shipment.status, order.status) == ("confirmed", "shipped")
    assert order.events.get(kind="tracking_received").actor == "olga"


@pytest.mark.django_db
def test_packing_queue_lists_waiting_in_house_notes_only(operator_client, packing_order):
    # given
    _order, shipment = packing_order
    external = make_shipment(make_order("EXT-1", status="transmitted"), make_shipper("dhl-3pl", kind="external"))

    # when
    html = operator_client.get("/packing/").content.decode()

    # then
    assert f'<a href="/shipments/{shipment.number}/">{shipment.number}</a>' in html
    assert external.number not in html
    assert f'<label for="tracking-{shipment.pk}" class="visually-hidden">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("_case", "shipment_number", "tracking", "error"),
    [
        ("unknown note", "LS-0000-000000", "T1", "No delivery note of the in-house warehouse has this number."),
        ("no tracking", None, "", "This field is required."),
    ],
)
def test_packing_refuses_bad_input_and_records_nothing(operator_client, packing_order, _case, shipment_number,
                                                        tracking, error):
    # given
    order, shipment = packing_order

    # when
    response = operator_client.post(
        "/packing/confirm/", {"shipment": shipment_number or shipment.number, "tracking_number": tracking}
    )

    # then
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Package.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "transmitted"


@pytest.mark.django_db
def test_packing_refuses_a_cancelled_or_external_delivery_note(operator_client):
    # given
    cancelled = make_shipment(make_order("C-1", status="cancelled"), status="cancelled")
    external = make_shipment(make_order("E-1", status="transmitted"), make_shipper("dhl-3pl", kind="external"))

    # when
    first = operator_client.post("/packing/confirm/", {"shipment": cancelled.number, "tracking_number": "T1"})
    second = operator_client.post("/packing/confirm/", {"shipment": external.number, "tracking_number": "T2"})

    # then
    assert first.status_code == second.status_code == 400
    assert "This delivery note was cancelled: do not ship it." in first.content.decode()
    assert Package.objects.count() == 0


@pytest.mark.django_db
def test_overdue_page_lists_unconfirmed_notes_past_their_deadline(operator_client):
    # given
    now = timezone.now()
    late = make_shipment(make_order("LATE-1", status="transmitted"), deadline_at=now - dt.timedelta(hours=2))
    Ticket.objects.create(order=late.order, reason="overdue_confirmation", problem_key=f"overdue:{late.number}",
                          title="overdue")
    on_time = make_shipment(make_order("OK-1", status="transmitted"), deadline_at=now + dt.timedelta(hours=2))

    # when
    html = operator_client.get("/overdue/").content.decode()

    # then
    assert f'<a href="/shipments/{late.number}/">{late.number}</a>' in html
    assert on_time.number not in html
    ticket = Ticket.objects.get()
    assert f'<a href="/tickets/{ticket.pk}/">#{ticket.pk}</a>' in html


@pytest.mark.django_db
def test_payment_differences_page(operator_client):
    # given
    short = make_order("SHORT", status="invoiced", total="40.00")
    make_invoice(short, gross="40.00")
    make_payment(short, "35.00")
    exact = make_order("EXACT", status="paid", total="10.00")
    make_invoice(exact, gross="10.00")
    make_payment(exact, "10.00")

    # when
    html = operator_client.get("/payments/differences/").content.decode()

    # then
    assert f'<a href="/orders/{short.pk}/payments/">SHORT</a>' in html
    assert "<strong>-5.00</strong>" in html
    assert "EXACT" not in html


@pytest.mark.django_db
def test_attention_page_counts_what_needs_a_person(operator_client, held):
    # given
    from orderpilot.core.models import OutboxMessage

    order = make_order("DEAD-1", status="shipped")
    OutboxMessage.objects.create(kind="marketplace.confirm", idempotency_key="d1", order=order, status="dead",
                                 next_attempt_at=timezone.now(), attempts=8, last_error="HTTP 400 invalid carrier")

    # when
    html = operator_client.get("/attention/").content.decode()
    board = operator_client.get("/").content.decode()

    # then
    assert "2 things wait for a person." in html
    assert "HTTP 400 invalid carrier" in html
    assert "On hold: <strong>1</strong>" in board
    assert "Undeliverable messages: <strong>1</strong>" in board


@pytest.mark.django_db
def test_assign_to_me_and_give_back(operator_client, held, operator):
    # given
    _, ticket = held
    # when
    operator_client.post(f"/tickets/{ticket.pk}/assign/", {"to": "me"})
    # then
    ticket.refresh_from_db()
    assert ticket.assignee == operator
    assert "Give the ticket back" in operator_client.get(f"/tickets/{ticket.pk}/").content.decode()
    # when given back
    operator_client.post(f"/tickets/{ticket.pk}/assign/", {"to": "nobody"})
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.django_db
def test_email_the_customer_from_a_ticket_only_where_the_channel_allows(operator_client):
    from orderpilot.core.models import OutboxMessage

    # given a held shop order (shops allow emails)
    from .factories import make_channel, make_customer

    order = make_order("SHOP-9", channel=make_channel("shop", "gambio"), customer=make_customer(), buyer_note="?")
    ticket = hold(order)
    # when
    operator_client.post(f"/tickets/{ticket.pk}/email/", {"subject": "Rückfrage", "text": "Welche Farbe?"})
    # then
    [message] = OutboxMessage.objects.filter(kind="email")
    assert (message.payload["to"], message.payload["subject"]) == (order.customer.email, "Rückfrage")
    # and for an Amazon order the form is not even offered, and a post sends nothing
    order.channel.kind = "amazon"
    order.channel.save()
    page = operator_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "communication policy allows no email" in page
    operator_client.post(f"/tickets/{ticket.pk}/email/", {"subject": "Question", "text": "Which colour?"})
    assert OutboxMessage.objects.filter(kind="email").count() == 1

import pytest
from django.contrib.auth import get_user_model

from orderpilot.channels.models import Channel
from orderpilot.channels.services import import_order
from orderpilot.core.actors import Actor
from orderpilot.core.models import OutboxMessage, SystemSetting
from orderpilot.tickets.models import Ticket, TicketReason
from orderpilot.tickets.services import (
    assign_ticket,
    attach_file,
    close_ticket,
    email_customer_from_ticket,
    open_ticket,
)

pytestmark = pytest.mark.django_db

ALICE = Actor("alice")


def _open(order=None, key="problem-1"):
    return open_ticket(order=order, reason=TicketReason.OTHER, problem_key=key, title="Look at this")


def test_the_same_problem_opens_one_ticket_until_it_is_closed():
    first, created = _open()
    again, created_again = _open()
    assert (created, created_again, again.pk) == (True, False, first.pk)
    close_ticket(first, actor=ALICE, resolution="done")
    later, created_later = _open()
    assert created_later is True
    assert later.pk != first.pk
    assert Ticket.objects.count() == 2


def test_staff_are_emailed_once_per_new_ticket():
    SystemSetting.objects.create(key="notifications", value={"staff_email": "team@example.com"})
    ticket, _ = _open()
    _open()
    message = OutboxMessage.objects.get(kind="email")
    assert message.payload["to"] == "team@example.com"
    assert message.payload["subject"] == f"[OrderPilot] Ticket #{ticket.pk}: Look at this"


def test_no_staff_email_without_an_address():
    _open()
    assert OutboxMessage.objects.count() == 0


def test_customer_email_from_a_ticket_respects_the_channel_policy(channel, channel_order_factory):
    # given a shop order and an Amazon order, each with a ticket
    shop_order = import_order(channel, channel_order_factory("S-1")).order
    amazon = Channel.objects.create(code="amazon-de", kind="amazon")
    amazon_order = import_order(amazon, channel_order_factory("A-1")).order
    shop_ticket, _ = _open(shop_order, key="shop")
    amazon_ticket, _ = _open(amazon_order, key="amazon")
    # when a person writes to both customers
    sent_shop = email_customer_from_ticket(shop_ticket, actor=ALICE, subject="Rückfrage", text="Hallo!")
    sent_amazon = email_customer_from_ticket(amazon_ticket, actor=ALICE, subject="Question", text="Hi")
    # then only the shop customer gets an email
    assert (sent_shop, sent_amazon) == (True, False)
    [message] = OutboxMessage.objects.filter(kind="email")
    assert (message.payload["to"], message.order_id) == ("erika@example.com", shop_order.pk)
    assert amazon_ticket.comments.count() == 0


def test_assign_comment_and_attach():
    user = get_user_model().objects.create_user("bob")
    ticket, _ = _open()
    assign_ticket(ticket, assignee=user, actor=ALICE)
    attachment = attach_file(ticket, actor=ALICE, name="../etc/passwd note.txt", content=b"parcel damaged")
    ticket.refresh_from_db()
    assert ticket.assignee == user
    assert [c.body for c in ticket.comments.all()] == ["assigned to bob"]
    assert attachment.file.name == f"tickets/{ticket.pk}/etcpasswd_note.txt"
    assert attachment.file.read() == b"parcel damaged"

"""Bounces read from a real IMAP mailbox (Dovecot) are recorded on the order, once."""

from __future__ import annotations

import imaplib
from email.message import EmailMessage

import pytest

from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage, SystemSetting
from orderpilot.notifications.bounces import collect_bounces
from orderpilot.shipping.tests.servers import Dovecot
from orderpilot.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mailbox():
    server = Dovecot(user="bounces", password="secret").start()
    yield server
    server.stop()


def _bounce_for(message_id: str) -> bytes:
    report = EmailMessage()
    report["From"] = "MAILER-DAEMON@mx.example"
    report["To"] = "shop@example.com"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.set_content("This is the mail system. Your message could not be delivered: mailbox unknown.")
    original = EmailMessage()
    original["Message-ID"] = message_id
    original["Subject"] = "Ihre Bestellung"
    original.set_content("...")
    report.add_attachment(original.as_bytes(), maintype="message", subtype="rfc822")
    return report.as_bytes()


def _append(server, raw: bytes) -> None:
    connection = imaplib.IMAP4("127.0.0.1", server.port)
    connection.login(server.user, server.password)
    connection.append("INBOX", None, None, raw)
    connection.logout()


def test_a_bounce_is_recorded_on_the_order_once(mailbox, channel, products, warehouse, channel_order_factory):
    # given an order confirmation that went out
    SystemSetting.objects.update_or_create(
        key="notifications",
        defaults={"value": {"bounce_imap_url": f"imap://bounces:secret@127.0.0.1:{mailbox.port}/INBOX"}},
    )
    order = import_order(channel, channel_order_factory("B-1")).order
    run_due_work(until_idle=True)
    email = OutboxMessage.objects.get(kind="email")
    assert email.status == "sent"
    # when its bounce arrives, together with unrelated mail
    _append(mailbox, _bounce_for(email.result["message_id"]))
    _append(mailbox, _bounce_for("<not-ours@elsewhere.example>"))
    assert collect_bounces() == 1
    assert collect_bounces() == 0  # both mails were moved out of the inbox
    # then the order knows, and a person is asked once
    assert order.events.filter(kind="email_bounced").count() == 1
    ticket = Ticket.objects.get(reason="delivery_failure")
    assert ticket.title == "Email to erika@example.com bounced (shop B-1)"

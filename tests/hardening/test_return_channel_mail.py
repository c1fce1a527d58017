"""Mails on the IMAP return channel in odd shapes: unknown or missing charsets, no body, broken
encodings, hostile attachment names. Each is applied or quarantined with a ticket; none stops the
poll or keeps the good mails behind it from being read."""

from __future__ import annotations

import imaplib

import pytest

from orderpilot.core.outbox import deliver_due_messages
from orderpilot.shipping.models import Package, Shipper
from orderpilot.shipping.return_channels.imap import parse_mail
from orderpilot.shipping.returns import poll_shipper_return_channel, process_inbound_item
from orderpilot.shipping.tests.conftest import make_order, route
from orderpilot.shipping.tests.servers import Dovecot
from orderpilot.tickets.models import Ticket

ODD_MAILS = {
    "unknown charset": b"Subject: Versand\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
    b"Tracking number: TRACK0000001 for {number}\r\n",
    "unknown charset in html": b"Subject: Versand\r\nContent-Type: text/html; charset=klingon\r\n\r\n"
    b"<p>{number}</p><p>Tracking number: TRACK0000002</p>\r\n",
    "no body at all": b"Subject: {number}\r\n\r\n",
    "empty": b"",
    "broken base64": b"Subject: Versand\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n!!!%%%not base64***\r\n",
    "latin-1 without charset": "Subject: Sendung für {number}\r\n\r\nTracking number: TRACK0000003 ÄÖÜ\r\n".encode(
        "latin-1"
    ),
    "broken encoded word": b"Subject: =?utf-8?B?!!!?= =?x-unknown?Q?abc?=\r\n\r\nhallo\r\n",
    "traversal attachment": b'Subject: Liste\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
    b'\r\n--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename="../../../etc/cron.d/x.csv"\r\n'
    b"\r\ndelivery_note;tracking_number\r\n{number};TRACK0000004\r\n--b--\r\n",
    "NUL bytes": b"Subject: a\x00b\r\n\r\nTracking number: TRACK00000\x0005\r\n",
    "endless header": b"Subject: " + b"x" * 300_000 + b"\r\n\r\nbody\r\n",
}


@pytest.mark.parametrize("raw", list(ODD_MAILS.values()), ids=list(ODD_MAILS))
def test_an_odd_mail_is_parsed_without_raising(raw):
    # when
    item = parse_mail("7:1", raw.replace(b"{number}", b"LS-2026-000001"))
    # then
    assert item.kind == "mail"
    assert isinstance(item.text, str)
    assert all(attachment.filename.startswith("attachment-") or "/" not in attachment.filename
               for attachment in item.attachments)


def test_an_attachment_named_with_a_path_is_renamed():
    item = parse_mail("7:1", ODD_MAILS["traversal attachment"].replace(b"{number}", b"LS-2026-000001"))
    assert [a.filename for a in item.attachments] == ["attachment-2"]


def test_an_unknown_charset_is_read_as_utf8_with_replacements():
    item = parse_mail("7:1", ODD_MAILS["unknown charset"].replace(b"{number}", b"LS-2026-000001"))
    assert "Tracking number: TRACK0000001 for LS-2026-000001" in item.text


# --- through a real mailbox --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


def _mailbox(dovecot) -> imaplib.IMAP4:
    connection = imaplib.IMAP4("127.0.0.1", dovecot.port)
    connection.login(dovecot.user, dovecot.password)
    return connection


def _empty(dovecot) -> None:
    connection = _mailbox(dovecot)
    for folder in ("INBOX", "done", "quarantine"):
        typ, count = connection.select(f'"{folder}"')
        if typ == "OK" and count[0] != b"0":
            connection.store("1:*", "+FLAGS", "\\Deleted")
            connection.expunge()
    connection.logout()


def _count(dovecot, folder: str) -> int:
    connection = _mailbox(dovecot)
    typ, data = connection.select(f'"{folder}"', readonly=True)
    connection.logout()
    return int(data[0]) if typ == "OK" else 0


@pytest.mark.django_db
def test_odd_mails_never_stop_the_mailbox(dovecot, channel, products, tmp_path):
    # given: a delivery note per odd mail, and the mails in the inbox, then one ordinary mail
    _empty(dovecot)
    shipper = Shipper.objects.create(
        code="mail-3pl",
        carrier="DHL",
        transport={"kind": "folder", "path": str(tmp_path / "outbox")},
        document_format="csv",
        return_channel={"kind": "imap", "url": f"imap://ship:secret@127.0.0.1:{dovecot.port}/INBOX"},
        price_table=[],
    )
    accepted = 0
    connection = _mailbox(dovecot)
    for raw in [*ODD_MAILS.values(), b"Subject: {number}\r\n\r\nTracking number: TRACK0000099\r\n"]:
        shipment = route(make_order(channel))
        typ, _ = connection.append("INBOX", None, None, raw.replace(b"{number}", shipment.number.encode()))
        accepted += typ == "OK"  # (Dovecot refuses to store an empty message)
    connection.logout()
    deliver_due_messages()
    assert accepted >= len(ODD_MAILS)

    # when
    processed = poll_shipper_return_channel(shipper)

    # then: every mail was handled, the readable ones shipped their orders, the rest are in quarantine
    assert processed == accepted
    shipper.refresh_from_db()
    assert shipper.last_poll_error == ""
    assert _count(dovecot, "INBOX") == 0
    tracked = set(Package.objects.values_list("tracking_number", flat=True))
    assert {"TRACK0000001", "TRACK0000002", "TRACK0000003", "TRACK0000099"} <= tracked
    quarantined = _count(dovecot, "quarantine")
    assert quarantined == accepted - _count(dovecot, "done")
    assert Ticket.objects.filter(problem_key__startswith="quarantine:mail-3pl:").count() == quarantined


@pytest.mark.django_db
def test_a_mail_of_nul_bytes_is_quarantined_with_a_ticket_the_database_can_store(tmp_path):
    # given: a mail whose subject and text hold NUL bytes (PostgreSQL stores no NUL in text)
    shipper = Shipper.objects.create(
        code="mail-3pl", carrier="DHL", transport={"kind": "folder", "path": str(tmp_path)}, document_format="csv",
        return_channel={"kind": "imap", "url": "imap://ship:secret@127.0.0.1:1/INBOX"}, price_table=[],
    )
    item = parse_mail("9:1", b"Subject: Versand\x00meldung\r\n\r\n\x00\x00 no tracking here \x00\r\n")

    # when
    outcome = process_inbound_item(shipper, item)

    # then
    assert outcome == "quarantine"
    ticket = Ticket.objects.get()
    assert "\x00" not in ticket.title + ticket.body
    assert ticket.title.startswith("mail-3pl: Versand")

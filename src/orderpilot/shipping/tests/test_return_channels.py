"""Return channels turn a shipper's real confirmation into a shipped order: IMAP (Dovecot), FTP and
SFTP pickup, the webhook, and the packing station. What cannot be read is quarantined with a ticket."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import imaplib
import itertools
from email.message import EmailMessage

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orderpilot.core.actors import Actor
from orderpilot.core.outbox import deliver_due_messages
from orderpilot.shipping.models import Package, Shipper, ShipperStock
from orderpilot.shipping.returns import poll_return_channels, poll_shipper_return_channel
from orderpilot.shipping.services import (
    ShipmentNotFound,
    TrackingRefused,
    confirm_packed_shipment,
    record_tracking,
)
from orderpilot.tickets.models import Ticket

from .conftest import route

pytestmark = pytest.mark.django_db

_folder = itertools.count(1)


def _shipper(tmp_path, return_channel: dict, **fields) -> Shipper:
    values = {
        "code": "dhl-3pl",
        "carrier": "DHL",
        "transport": {"kind": "folder", "path": str(tmp_path / "outbox")},
        "document_format": "csv",
        "return_channel": return_channel,
        "price_table": [],
        **fields,
    }
    return Shipper.objects.create(**values)


def _transmitted(order_factory, **kwargs):
    shipment = route(order_factory(**kwargs))
    deliver_due_messages()
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"
    return shipment


# --- FTP pickup -----------------------------------------------------------------------------------


def _ftp_folder(ftp_server):
    name = f"confirmations{next(_folder)}"
    (ftp_server.root / name).mkdir()
    return ftp_server.root / name, {"kind": "ftp", "url": f"ftp://ship:secret@127.0.0.1:{ftp_server.port}/{name}"}


def test_ftp_confirmation_file_ships_the_order_and_moves_to_done(ftp_server, order_factory, tmp_path):
    # given: the 3PL put a confirmation CSV into its folder (and is still writing another one)
    folder, channel = _ftp_folder(ftp_server)
    _shipper(tmp_path, channel)
    shipment = _transmitted(order_factory)
    content = (
        "delivery_note;tracking_number;carrier;shipped_at\r\n"
        f"{shipment.number};00340434161094042557;DHL;2026-03-02T14:30:00+01:00\r\n"
    ).encode()
    (folder / f"{shipment.number}.csv").write_bytes(content)
    (folder / ".upload.csv.part").write_bytes(b"half a fi")

    # when
    processed = poll_shipper_return_channel(Shipper.objects.get())

    # then
    assert processed == 1
    shipment.refresh_from_db()
    assert shipment.status == "confirmed"
    assert shipment.order.status == "shipped"
    package = Package.objects.get()
    assert (package.tracking_number, package.carrier) == ("00340434161094042557", "DHL")
    assert package.shipped_at == dt.datetime(2026, 3, 2, 13, 30, tzinfo=dt.UTC)
    assert sorted(p.name for p in folder.iterdir()) == [".upload.csv.part", "done"]
    assert (folder / "done" / f"{shipment.number}.csv").read_bytes() == content
    assert shipment.order.events.get(kind="tracking_received").actor == "shipper:dhl-3pl"


def test_malformed_ftp_file_is_quarantined_with_a_ticket_and_changes_nothing(ftp_server, order_factory, tmp_path):
    # given: a file without the tracking number column
    folder, channel = _ftp_folder(ftp_server)
    _shipper(tmp_path, channel)
    shipment = _transmitted(order_factory)
    content = f"delivery_note;carrier\r\n{shipment.number};DHL\r\n".encode()
    (folder / "broken.csv").write_bytes(content)

    # when
    poll_shipper_return_channel(Shipper.objects.get())
    poll_shipper_return_channel(Shipper.objects.get())

    # then: kept in quarantine, one ticket, the order still waits
    assert sorted(p.name for p in folder.iterdir()) == ["quarantine"]
    assert (folder / "quarantine" / "broken.csv").read_bytes() == content
    ticket = Ticket.objects.get()
    assert (ticket.reason, ticket.status, ticket.priority) == ("processing_error", "open", 1)
    assert ticket.title == "dhl-3pl: broken.csv could not be read and was quarantined"
    assert ticket.body.startswith("no column 'tracking_number' (tracking number)")
    assert ticket.problem_key == f"quarantine:dhl-3pl:{hashlib.sha256(content).hexdigest()[:16]}"
    assert Package.objects.count() == 0
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"
    assert shipment.order.status == "transmitted"


def test_file_naming_an_unknown_delivery_note_is_quarantined_whole(ftp_server, order_factory, tmp_path):
    # given: one good row, one for a delivery note this shipper never got
    folder, channel = _ftp_folder(ftp_server)
    _shipper(tmp_path, channel)
    shipment = _transmitted(order_factory)
    (folder / "mixed.csv").write_bytes(
        f"delivery_note;tracking_number\n{shipment.number};TRACK000001\nLS-2020-999999;TRACK000002\n".encode()
    )

    # when
    poll_shipper_return_channel(Shipper.objects.get())

    # then: nothing applied (all or nothing)
    assert Package.objects.count() == 0
    assert (folder / "quarantine" / "mixed.csv").exists()
    assert Ticket.objects.get().body.startswith("dhl-3pl has no delivery note LS-2020-999999")


def test_a_repeated_file_name_does_not_overwrite_the_first_in_done(ftp_server, order_factory, tmp_path):
    # given: two orders, confirmed one after the other in files of the same name
    folder, channel = _ftp_folder(ftp_server)
    _shipper(tmp_path, channel)
    first, second = _transmitted(order_factory), _transmitted(order_factory)
    (folder / "confirm.csv").write_text(f"delivery_note;tracking_number\n{first.number};TRACK000001\n")
    poll_shipper_return_channel(Shipper.objects.get())
    (folder / "confirm.csv").write_text(f"delivery_note;tracking_number\n{second.number};TRACK000002\n")

    # when
    poll_shipper_return_channel(Shipper.objects.get())

    # then
    done = sorted(p.name for p in (folder / "done").iterdir())
    assert len(done) == 2
    assert done[0] == "confirm-" + done[0].removeprefix("confirm-")
    assert "confirm.csv" in done
    assert sorted(Package.objects.values_list("tracking_number", flat=True)) == ["TRACK000001", "TRACK000002"]


def test_stock_feed_file_updates_the_stock_table(ftp_server, order_factory, tmp_path):
    # given: a shipper that reports its stock; a feed file on its return channel
    folder, channel = _ftp_folder(ftp_server)
    shipper = _shipper(tmp_path, channel, stock={"mode": "feed"})
    ShipperStock.objects.create(shipper=shipper, sku="OLD-99", quantity=3, updated_at=timezone.now())
    (folder / "stock-20260302.csv").write_text("sku;quantity\nMUG-01;12\nLAMP-02;-1\n")

    # when
    poll_shipper_return_channel(shipper)

    # then: the table is replaced by the feed (a full snapshot)
    assert dict(ShipperStock.objects.values_list("sku", "quantity")) == {"MUG-01": 12, "LAMP-02": 0}
    assert (folder / "done" / "stock-20260302.csv").exists()


def test_partial_shipment_with_package_lines_from_a_file(ftp_server, order_factory, tmp_path):
    # given: two mugs and a lamp; the 3PL ships the mugs first, then the lamp
    folder, channel = _ftp_folder(ftp_server)
    _shipper(tmp_path, channel)
    shipment = _transmitted(order_factory, lines=(("MUG-01", 2), ("LAMP-02", 1)))
    header = "delivery_note;tracking_number;sku;quantity\n"
    (folder / "a.csv").write_text(f"{header}{shipment.number};PKG000001;MUG-01;2\n")

    # when
    poll_shipper_return_channel(Shipper.objects.get())

    # then: partly shipped, the order still waits
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"
    assert shipment.order.status == "transmitted"
    assert Package.objects.get().lines == {"MUG-01": 2}
    assert shipment.order.events.filter(kind="partially_shipped").count() == 1

    # when: the rest
    (folder / "b.csv").write_text(f"{header}{shipment.number};PKG000002;LAMP-02;1\n")
    poll_shipper_return_channel(Shipper.objects.get())

    # then
    shipment.refresh_from_db()
    assert shipment.status == "confirmed"
    assert shipment.order.status == "shipped"
    assert list(Package.objects.values_list("reference", "tracking_number")) == [(1, "PKG000001"), (2, "PKG000002")]


def test_poll_job_respects_the_poll_interval(ftp_server, order_factory, tmp_path):
    # given
    folder, channel = _ftp_folder(ftp_server)
    shipper = _shipper(tmp_path, channel, poll_interval=600)
    shipment = _transmitted(order_factory)
    (folder / "c.csv").write_text(f"delivery_note;tracking_number\n{shipment.number};TRACK000009\n")

    # when
    first = poll_return_channels()
    (folder / "d.csv").write_text("garbage")
    second = poll_return_channels()

    # then: the second poll was not due yet
    assert (first, second) == (1, 0)
    shipper.refresh_from_db()
    assert shipper.next_poll_at == shipper.last_polled_at + dt.timedelta(seconds=600)
    assert (folder / "d.csv").exists()


def test_a_channel_that_is_down_is_noted_and_retried_next_time(order_factory, tmp_path):
    # given: nothing listens there
    from .servers import free_port

    shipper = _shipper(tmp_path, {"kind": "ftp", "url": f"ftp://ship:secret@127.0.0.1:{free_port()}/x"})

    # when
    processed = poll_shipper_return_channel(shipper)

    # then
    shipper.refresh_from_db()
    assert processed == 0
    assert "ConnectionRefusedError" in shipper.last_poll_error
    assert "secret" not in shipper.last_poll_error


# --- SFTP pickup ----------------------------------------------------------------------------------


def test_sftp_xml_confirmation_with_a_mapping_ships_the_order(sftp_server, order_factory, tmp_path):
    # given: a 3PL that writes its own XML dialect
    name = f"sftp-in{next(_folder)}"
    folder = sftp_server.root / name
    folder.mkdir()
    channel = {
        "kind": "sftp",
        "url": f"sftp://ship:secret@127.0.0.1:{sftp_server.port}/{name}",
        "host_key": sftp_server.public_key,
        "mapping": {"record": ".//Sendung", "shipment": "@Lieferschein", "tracking_number": "Paket/@Nummer",
                    "carrier": "Versender"},
    }
    _shipper(tmp_path, channel)
    shipment = _transmitted(order_factory)
    (folder / "status.xml").write_text(
        f'<?xml version="1.0"?><Meldung><Sendung Lieferschein="{shipment.number}"><Versender>DPD</Versender>'
        '<Paket Nummer="01234567890123"/></Sendung></Meldung>'
    )

    # when
    poll_shipper_return_channel(Shipper.objects.get())

    # then
    shipment.refresh_from_db()
    assert shipment.order.status == "shipped"
    assert list(Package.objects.values_list("tracking_number", "carrier")) == [("01234567890123", "DPD")]
    assert sorted(p.name for p in folder.iterdir()) == ["done"]
    assert [p.name for p in (folder / "done").iterdir()] == ["status.xml"]


def test_sftp_xml_with_an_entity_bomb_is_quarantined(sftp_server, order_factory, tmp_path):
    # given
    name = f"sftp-in{next(_folder)}"
    folder = sftp_server.root / name
    folder.mkdir()
    _shipper(tmp_path, {"kind": "sftp", "url": f"sftp://ship:secret@127.0.0.1:{sftp_server.port}/{name}",
                        "host_key": sftp_server.public_key})
    (folder / "bomb.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><l>&b;</l>'
    )

    # when
    poll_shipper_return_channel(Shipper.objects.get())

    # then
    assert [p.name for p in (folder / "quarantine").iterdir()] == ["bomb.xml"]
    assert Ticket.objects.get().body.startswith("not well-formed XML")


# --- IMAP -----------------------------------------------------------------------------------------


def _imap(dovecot):
    connection = imaplib.IMAP4("127.0.0.1", dovecot.port)
    connection.login(dovecot.user, dovecot.password)
    return connection


def _append(dovecot, message: EmailMessage) -> None:
    connection = _imap(dovecot)
    connection.append("INBOX", None, None, message.as_bytes())
    connection.logout()


def _folder_contents(dovecot, folder: str) -> list[tuple[str, bytes]]:
    connection = _imap(dovecot)
    typ, _ = connection.select(f'"{folder}"', readonly=True)
    if typ != "OK":
        connection.logout()
        return []
    _, data = connection.search(None, "ALL")
    found = []
    for number in data[0].split():
        _, parts = connection.fetch(number, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        headers = email.message_from_bytes(parts[0][1], policy=email.policy.default)
        found.append((str(headers["Subject"]), parts[0][0]))
    connection.logout()
    return found


@pytest.fixture
def mailbox_shipper(dovecot, tmp_path):
    # an empty INBOX for every test
    connection = _imap(dovecot)
    for folder in ("INBOX", "done", "quarantine"):
        typ, count = connection.select(f'"{folder}"')
        if typ == "OK" and count[0] != b"0":
            connection.store("1:*", "+FLAGS", "\\Deleted")
            connection.expunge()
    connection.logout()
    return _shipper(tmp_path, {"kind": "imap", "url": f"imap://ship:secret@127.0.0.1:{dovecot.port}/INBOX"})


def test_imap_mail_with_tracking_in_the_text_ships_the_order(dovecot, mailbox_shipper, order_factory):
    # given: the 3PL mails a shipping notice
    shipment = _transmitted(order_factory)
    message = EmailMessage()
    message["Subject"] = f"Versandbestätigung {shipment.number}"
    message["From"] = "noreply@3pl.example"
    message.set_content("Guten Tag,\n\nIhre Sendung ist unterwegs.\nTracking number: 00340434161094042557\n")
    _append(dovecot, message)

    # when
    processed = poll_shipper_return_channel(mailbox_shipper)

    # then
    assert processed == 1
    shipment.refresh_from_db()
    assert shipment.order.status == "shipped"
    assert list(Package.objects.values_list("tracking_number", flat=True)) == ["00340434161094042557"]
    assert _folder_contents(dovecot, "INBOX") == []
    ((subject, flags),) = _folder_contents(dovecot, "done")
    assert subject == f"Versandbestätigung {shipment.number}"
    assert b"\\Seen" in flags


def test_imap_mail_with_a_csv_attachment_confirms_several_orders(dovecot, mailbox_shipper, order_factory):
    # given
    first, second = _transmitted(order_factory), _transmitted(order_factory)
    message = EmailMessage()
    message["Subject"] = "Tagesmeldung"
    message.set_content("Anbei die Versandmeldung.")
    message.add_attachment(
        f"delivery_note;tracking_number\n{first.number};TRACK000011\n{second.number};TRACK000012\n".encode(),
        maintype="text", subtype="csv", filename="versand.csv",
    )
    _append(dovecot, message)

    # when
    poll_shipper_return_channel(mailbox_shipper)

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order.status, second.order.status) == ("shipped", "shipped")
    assert sorted(Package.objects.values_list("tracking_number", flat=True)) == ["TRACK000011", "TRACK000012"]


def test_imap_mail_without_tracking_is_quarantined_with_a_ticket(dovecot, mailbox_shipper, order_factory):
    # given
    shipment = _transmitted(order_factory)
    message = EmailMessage()
    message["Subject"] = f"Frage zu {shipment.number}"
    message.set_content("Die Adresse ist unvollständig, bitte prüfen.")
    _append(dovecot, message)

    # when
    poll_shipper_return_channel(mailbox_shipper)

    # then
    assert _folder_contents(dovecot, "INBOX") == []
    assert [s for s, _ in _folder_contents(dovecot, "quarantine")] == [f"Frage zu {shipment.number}"]
    ticket = Ticket.objects.get()
    assert ticket.title == f"dhl-3pl: Frage zu {shipment.number} could not be read and was quarantined"
    assert ticket.body.startswith("found 1 delivery note number(s) and 0 tracking number(s); need both")
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"


def test_imap_uses_the_configured_tracking_pattern(dovecot, mailbox_shipper, order_factory):
    # given: a shipper whose mails say "Sendungsnummer 1Z999AA10123456784"
    mailbox_shipper.return_channel = {**mailbox_shipper.return_channel,
                                      "tracking_pattern": r"Sendungsnummer (?P<tracking>1Z[0-9A-Z]{16})"}
    mailbox_shipper.save(update_fields=["return_channel"])
    shipment = _transmitted(order_factory)
    message = EmailMessage()
    message["Subject"] = f"{shipment.number} versendet"
    message.set_content("Sendungsnummer 1Z999AA10123456784 (UPS)")
    _append(dovecot, message)

    # when
    poll_shipper_return_channel(mailbox_shipper)

    # then
    assert list(Package.objects.values_list("tracking_number", flat=True)) == ["1Z999AA10123456784"]


# --- webhook --------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _post(token: str, body: dict):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.post("/api/shipping/confirmations/", body, format="json")


def test_webhook_accepts_the_current_and_the_previous_token(order_factory, tmp_path):
    # given: a token rotation in progress
    _shipper(tmp_path, {"kind": "webhook"}, webhook_token_hash=_hash("new-token"),
             previous_webhook_token_hash=_hash("old-token"))
    first, second = _transmitted(order_factory), _transmitted(order_factory)

    # when
    with_old = _post("old-token", {"shipment": first.number, "tracking_number": "TRACK000021"})
    with_new = _post("new-token", {"shipment": second.number, "tracking_number": "TRACK000022"})
    with_wrong = _post("other-token", {"shipment": second.number, "tracking_number": "TRACK000023"})

    # then
    assert (with_old.status_code, with_new.status_code, with_wrong.status_code) == (201, 201, 401)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order.status, second.order.status) == ("shipped", "shipped")
    assert Package.objects.count() == 2


def test_webhook_refuses_the_old_token_once_rotation_is_finished(order_factory, tmp_path):
    # given
    _shipper(tmp_path, {"kind": "webhook"}, webhook_token_hash=_hash("new-token"))
    shipment = _transmitted(order_factory)

    # when
    response = _post("old-token", {"shipment": shipment.number, "tracking_number": "TRACK000031"})

    # then
    assert response.status_code == 401
    assert Package.objects.count() == 0


def test_webhook_partial_package_and_stock_feed(order_factory, tmp_path):
    # given
    shipper = _shipper(tmp_path, {"kind": "webhook"}, webhook_token_hash=_hash("t0ken"), stock={"mode": "feed"})
    ShipperStock.objects.create(shipper=shipper, sku="MUG-01", quantity=5, updated_at=timezone.now())
    shipment = _transmitted(order_factory, lines=(("MUG-01", 3),))

    # when
    partial = _post("t0ken", {"shipment": shipment.number, "tracking_number": "PKG000041",
                              "lines": [{"sku": "MUG-01", "quantity": 1}]})
    too_many = _post("t0ken", {"shipment": shipment.number, "tracking_number": "PKG000042",
                               "lines": [{"sku": "MUG-01", "quantity": 3}]})
    stock = _post("t0ken", {"stock": {"MUG-01": 7, "LAMP-02": 0}})

    # then
    assert partial.status_code == 201
    assert too_many.status_code == 400
    assert too_many.json() == {"detail": f"{shipment.number}: 4 × MUG-01 shipped, the delivery note holds 3"}
    assert list(Package.objects.values_list("tracking_number", flat=True)) == ["PKG000041"]
    shipment.refresh_from_db()
    assert shipment.order.status == "transmitted"
    assert stock.status_code == 200
    assert stock.json() == {"shipper": "dhl-3pl", "skus": 2}
    assert dict(ShipperStock.objects.filter(shipper=shipper).values_list("sku", "quantity")) == {
        "MUG-01": 7, "LAMP-02": 0,
    }


def test_webhook_stock_feed_is_refused_for_a_shipper_without_feed(order_factory, tmp_path):
    _shipper(tmp_path, {"kind": "webhook"}, webhook_token_hash=_hash("t0ken"))
    response = _post("t0ken", {"stock": {"MUG-01": 7}})
    assert response.status_code == 400
    assert ShipperStock.objects.count() == 0


# --- packing station (manual / scan) --------------------------------------------------------------


def test_packing_station_confirms_the_in_house_shipment_by_its_barcode(order_factory, warehouse):
    # given: an order in the warehouse's packing queue
    shipment = route(order_factory())
    assert shipment.order.status == "transmitted"
    packer = Actor("anna")

    # when: the packer scans the delivery note, then (second parcel) the first parcel's label
    first, created_first = confirm_packed_shipment(shipment.number, "JJD000390007701234567", packer)
    second, created_second = confirm_packed_shipment("JJD000390007701234567", "JJD000390007701234568", packer)
    again, created_again = confirm_packed_shipment(shipment.number, "JJD000390007701234567", packer)

    # then
    assert (created_first, created_second, created_again) == (True, True, False)
    assert again.pk == first.pk
    shipment.refresh_from_db()
    assert shipment.status == "confirmed"
    assert shipment.order.status == "shipped"
    assert [p.tracking_number for p in shipment.packages.all()] == ["JJD000390007701234567", "JJD000390007701234568"]
    event = shipment.order.events.get(kind="tracking_received", data__tracking_number=first.tracking_number)
    assert event.actor == "anna"


def test_packing_station_refuses_an_unknown_or_cancelled_delivery_note(order_factory, warehouse):
    # given
    shipment = route(order_factory())
    shipment.status = "cancelled"
    shipment.save(update_fields=["status"])

    # when / then
    with pytest.raises(ShipmentNotFound):
        confirm_packed_shipment("LS-1999-000001", "JJD000390007701234567", Actor("anna"))
    with pytest.raises(TrackingRefused, match="was cancelled"):
        confirm_packed_shipment(shipment.number, "JJD000390007701234567", Actor("anna"))
    assert Package.objects.count() == 0


def test_package_with_a_sku_the_delivery_note_does_not_hold_is_refused(order_factory, warehouse):
    shipment = route(order_factory())
    with pytest.raises(TrackingRefused, match="holds no LAMP-02"):
        record_tracking(shipment, tracking_number="PKG000051", lines={"LAMP-02": 1})
    assert Package.objects.count() == 0

"""Every transport delivers every format exactly once to a real server, also after an outage."""

from __future__ import annotations

import email
import email.policy
import itertools
from pathlib import Path

import asyncssh
import pytest
from django.utils import timezone

from orderpilot.core.models import OutboxMessage, OutboxStatus
from orderpilot.core.outbox import deliver_due_messages
from orderpilot.sandbox.shipper.servers import FtpServerThread, SmtpServerThread
from orderpilot.shipping.models import DocumentPurpose, ShipmentDocument, Shipper
from orderpilot.shipping.transmission import deliver_transmission

from .conftest import Mailbox, route
from .servers import HttpReceiver, SftpServer, free_port

pytestmark = pytest.mark.django_db

FORMATS = {"pdf": "pdf", "csv": "csv", "xml": "xml", "json": "json", "text": "txt"}
_box = itertools.count(1)


def _target(kind: str, servers: dict, tmp_path: Path) -> tuple[dict, callable]:
    """A transport configuration for ``kind`` in a fresh box, and a function listing what arrived there
    as ``[(file name, content)]`` (for email: one entry per distinct Message-ID and attachment)."""
    box = f"box{next(_box)}"
    if kind == "folder":
        folder = tmp_path / box
        return {"kind": "folder", "path": str(folder)}, lambda: _files(folder)
    if kind == "ftp":
        server = servers["ftp"]
        (server.root / box).mkdir()
        config = {"kind": "ftp", "url": f"ftp://ship@127.0.0.1:{server.port}/{box}", "password": "secret"}
        return config, lambda: _files(server.root / box)
    if kind == "sftp":
        server = servers["sftp"]
        (server.root / box).mkdir()
        config = {
            "kind": "sftp",
            "url": f"sftp://ship:secret@127.0.0.1:{server.port}/{box}",
            "host_key": server.public_key,
        }
        return config, lambda: _files(server.root / box)
    if kind == "email":
        server = servers["smtp"]
        address = f"{box}@3pl.example"
        config = {"kind": "email", "to": address, "smtp_url": f"smtp://127.0.0.1:{server.port}",
                  "from": "shop@example.com"}
        return config, lambda: _mails(server.mailbox, address)
    server = servers["http"]
    config = {"kind": "http", "url": f"http://127.0.0.1:{server.port}/{box}", "username": "ship",
              "password": "secret"}
    return config, lambda: [
        (doc["disposition"].split('filename="')[1].rstrip('"'), doc["content"])
        for doc in server.documents.values()
        if doc["path"] == f"/{box}"
    ]


def _files(folder: Path) -> list[tuple[str, bytes]]:
    if not folder.exists():
        return []
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir() if p.is_file())


def _mails(mailbox: Mailbox, address: str) -> list[tuple[str, bytes]]:
    found: dict[tuple[str, str], bytes] = {}
    for raw in mailbox.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if message["To"] != address:
            continue
        for part in message.iter_attachments():
            found[(message["Message-ID"], part.get_filename())] = part.get_payload(decode=True)
    return [(name, content) for (_, name), content in sorted(found.items())]


@pytest.fixture
def servers(smtp_server, ftp_server, sftp_server, http_receiver):
    return {"smtp": smtp_server, "ftp": ftp_server, "sftp": sftp_server, "http": http_receiver}


def _shipper(transport: dict, document_format: str) -> Shipper:
    return Shipper.objects.create(
        code="test-3pl", carrier="DHL", transport=transport, document_format=document_format, price_table=[]
    )


@pytest.mark.parametrize("document_format", sorted(FORMATS))
@pytest.mark.parametrize("kind", ["folder", "email", "ftp", "sftp", "http"])
def test_transport_delivers_each_format_exactly_once(kind, document_format, servers, order_factory, tmp_path):
    # given: a shipper reached by this transport, and a routed order
    transport, arrived = _target(kind, servers, tmp_path)
    _shipper(transport, document_format)
    shipment = route(order_factory())
    number = shipment.number

    # when: the outbox delivers, and (as after a crash before "sent" was recorded) the handler runs again
    assert deliver_due_messages() == 1
    message = OutboxMessage.objects.get(kind="shipment.transmit")
    deliver_transmission(message)

    # then: the shipper has exactly one document, the one rendered and stored once
    stored = ShipmentDocument.objects.get(shipment=shipment, purpose=DocumentPurpose.DELIVERY_NOTE)
    filename = f"{number}.{FORMATS[document_format]}"
    assert arrived() == [(filename, bytes(stored.content))]
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)
    assert message.result["transport"] == kind
    assert message.result["file"] == filename
    assert message.result["bytes"] == len(stored.content)
    assert message.result["sha256"] == stored.sha256
    assert "secret" not in str(message.result)
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"
    assert shipment.order.status == "transmitted"
    assert ShipmentDocument.objects.count() == 1


def _start(kind: str, port: int, tmp_path: Path, mailbox: Mailbox):
    if kind == "ftp":
        return FtpServerThread(tmp_path / "ftp-root", user="ship", password="secret", port=port).start()
    if kind == "sftp":
        raise AssertionError("sftp is started by its test")
    if kind == "email":
        return SmtpServerThread(mailbox, port=port).start()
    return HttpReceiver(port=port).start()


@pytest.mark.parametrize("kind", ["email", "ftp", "http"])
def test_server_down_first_attempt_retries_then_delivers_once(kind, order_factory, tmp_path):
    # given: the shipper's server is down
    port = free_port()
    (tmp_path / "ftp-root" / "in").mkdir(parents=True)
    mailbox = Mailbox()
    transport = {
        "email": {"kind": "email", "to": "dispo@3pl.example", "smtp_url": f"smtp://127.0.0.1:{port}"},
        "ftp": {"kind": "ftp", "url": f"ftp://ship:secret@127.0.0.1:{port}/in"},
        "http": {"kind": "http", "url": f"http://127.0.0.1:{port}/notes"},
    }[kind]
    _shipper(transport, "csv")
    shipment = route(order_factory())

    # when: the first attempt fails
    deliver_due_messages()

    # then: it waits for a retry, nothing was delivered, the order is not transmitted
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.RETRY, 1)
    assert message.next_attempt_at > timezone.now()
    assert "Connect" in message.last_error or "refused" in message.last_error.lower()
    shipment.refresh_from_db()
    assert shipment.status == "created"

    # when: the server is back and the retry is due
    server = _start(kind, port, tmp_path, mailbox)
    try:
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        assert deliver_due_messages() == 1
        assert deliver_due_messages() == 0
    finally:
        server.stop()

    # then: delivered once
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    if kind == "email":
        assert len(mailbox.messages) == 1
    elif kind == "ftp":
        assert [p.name for p in (tmp_path / "ftp-root" / "in").iterdir()] == [f"{shipment.number}.csv"]
    else:
        assert [d["disposition"] for d in server.documents.values()] == [
            f'attachment; filename="{shipment.number}.csv"'
        ]
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"


def test_sftp_down_first_attempt_retries_then_delivers_once(order_factory, tmp_path):
    # given: an SFTP server whose host key we know, stopped
    root = tmp_path / "sftp-root"
    (root / "in").mkdir(parents=True)
    port = free_port()
    server = SftpServer(root, port=port)
    _shipper({"kind": "sftp", "url": f"sftp://ship:secret@127.0.0.1:{port}/in", "host_key": server.public_key}, "xml")
    shipment = route(order_factory())

    # when
    deliver_due_messages()

    # then
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.RETRY, 1)
    assert list((root / "in").iterdir()) == []

    # when: it is up again
    server.start()
    try:
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        deliver_due_messages()
    finally:
        server.stop()

    # then
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert [p.name for p in (root / "in").iterdir()] == [f"{shipment.number}.xml"]


def test_folder_unwritable_first_attempt_retries_then_delivers_once(order_factory, tmp_path):
    # given: the folder path is blocked by a file (a share not mounted yet)
    blocked = tmp_path / "share"
    blocked.write_text("not a folder")
    _shipper({"kind": "folder", "path": str(blocked / "out")}, "json")
    shipment = route(order_factory())

    # when
    deliver_due_messages()

    # then
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.RETRY, 1)

    # when: the share is there
    blocked.unlink()
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    deliver_due_messages()

    # then
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert [p.name for p in (blocked / "out").iterdir()] == [f"{shipment.number}.json"]


def test_ftp_uploads_under_a_temporary_name_then_renames(ftp_server, order_factory):
    # given
    (ftp_server.root / "atomic").mkdir()
    _shipper({"kind": "ftp", "url": f"ftp://ship:secret@127.0.0.1:{ftp_server.port}/atomic"}, "csv")
    shipment = route(order_factory())
    ftp_server.commands.clear()

    # when
    deliver_due_messages()

    # then: STOR of the temporary name, then RNFR/RNTO to the final name
    file_commands = [(c, a) for c, a in ftp_server.commands if c in {"STOR", "RNFR", "RNTO"}]
    assert file_commands == [
        ("STOR", f".{shipment.number}.csv.part"),
        ("RNFR", f".{shipment.number}.csv.part"),
        ("RNTO", f"{shipment.number}.csv"),
    ]
    assert sorted(p.name for p in (ftp_server.root / "atomic").iterdir()) == [f"{shipment.number}.csv"]


def test_sftp_uploads_under_a_temporary_name_then_renames(sftp_server, order_factory):
    # given
    (sftp_server.root / "atomic").mkdir()
    _shipper(
        {"kind": "sftp", "url": f"sftp://ship:secret@127.0.0.1:{sftp_server.port}/atomic",
         "host_key": sftp_server.public_key},
        "json",
    )
    shipment = route(order_factory())
    sftp_server.log.clear()

    # when
    deliver_due_messages()

    # then
    assert sftp_server.log == [
        ("open", f".{shipment.number}.json.part"),
        ("rename", f".{shipment.number}.json.part->{shipment.number}.json"),
    ]


def test_sftp_refuses_a_server_with_another_host_key(sftp_server, order_factory):
    # given: the configured host key is not the server's
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    (sftp_server.root / "mitm").mkdir()
    _shipper({"kind": "sftp", "url": f"sftp://ship:secret@127.0.0.1:{sftp_server.port}/mitm", "host_key": other},
             "json")
    route(order_factory())

    # when
    deliver_due_messages()

    # then: a dead letter, nothing uploaded
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.DEAD
    assert "host key" in message.last_error
    assert list((sftp_server.root / "mitm").iterdir()) == []


def test_email_message_id_comes_from_the_idempotency_key(smtp_server, order_factory):
    # given
    _shipper({"kind": "email", "to": "msgid@3pl.example", "smtp_url": f"smtp://127.0.0.1:{smtp_server.port}",
              "from": "shop@example.com"}, "pdf")
    shipment = route(order_factory())

    # when
    deliver_due_messages()

    # then
    (raw,) = [m for m in smtp_server.mailbox.messages if b"msgid@3pl.example" in m]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Message-ID"] == f"<shipment.{shipment.number}.transmit@example.com>"
    assert message["Subject"] == f"Lieferschein / Delivery note {shipment.number}"
    assert [p.get_filename() for p in message.iter_attachments()] == [f"{shipment.number}.pdf"]
    assert OutboxMessage.objects.get().result["message_id"] == f"<shipment.{shipment.number}.transmit@example.com>"


@pytest.mark.parametrize(("status", "outcome"), [(503, OutboxStatus.RETRY), (429, OutboxStatus.RETRY),
                                                 (400, OutboxStatus.DEAD), (401, OutboxStatus.DEAD)])
def test_http_5xx_and_429_are_retried_other_4xx_are_terminal(status, outcome, http_receiver, order_factory):
    # given: the API answers with an error status
    _shipper({"kind": "http", "url": f"http://127.0.0.1:{http_receiver.port}/status-{status}", "username": "ship",
              "password": "secret"}, "json")
    route(order_factory())
    http_receiver.fail_with[:] = [status]

    # when
    deliver_due_messages()

    # then
    message = OutboxMessage.objects.get()
    assert message.status == outcome
    assert f"HTTP {status}" in message.last_error
    assert [d for d in http_receiver.documents.values() if d["path"] == f"/status-{status}"] == []


def test_http_sends_a_token_header_from_the_configuration(order_factory):
    # given: an API that wants an API key header
    receiver = HttpReceiver(token="k-123").start()
    try:
        _shipper({"kind": "http", "url": f"http://127.0.0.1:{receiver.port}/x", "token": "k-123",
                  "auth_header": "X-Api-Key", "auth_scheme": ""}, "xml")
        shipment = route(order_factory())

        # when
        deliver_due_messages()
    finally:
        receiver.stop()

    # then
    (document,) = receiver.documents.values()
    assert document["content_type"] == "application/xml"
    assert receiver.requests[0]["headers"]["Idempotency-Key"] == f"shipment:{shipment.number}:transmit"
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT

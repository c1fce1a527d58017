"""Confirmation files from shippers: XML entity attacks refused by defusedxml, formulas kept as text,
unreadable files quarantined with a ticket while the good files of the same poll are applied, and
file names from the shipper's server never used unchecked."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from orderpilot.core.exceptions import TerminalError
from orderpilot.core.outbox import deliver_due_messages
from orderpilot.sandbox.shipper.servers import FtpServerThread
from orderpilot.shipping.models import Package, Shipper
from orderpilot.shipping.remote import is_safe_name, parse_remote
from orderpilot.shipping.return_channels.folders import outcome_folder
from orderpilot.shipping.return_channels.ftp import FtpPickup
from orderpilot.shipping.return_channels.parsing import (
    UnreadableConfirmation,
    parse_confirmation_csv,
    parse_confirmation_xml,
)
from orderpilot.shipping.returns import poll_shipper_return_channel
from orderpilot.shipping.tests.conftest import make_order, route
from orderpilot.tickets.models import Ticket

_folders = itertools.count(1)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<confirmations><confirmation><deliveryNote>LS-1</deliveryNote><trackingNumber>&lol9;</trackingNumber>
</confirmation></confirmations>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<confirmations><confirmation><deliveryNote>LS-1</deliveryNote><trackingNumber>&xxe;</trackingNumber>
</confirmation></confirmations>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<confirmations/>"""
QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + b"x" * 50_000 + b'">]><confirmations><confirmation>'
    b"<deliveryNote>LS-1</deliveryNote><trackingNumber>" + b"&a;" * 5_000 + b"</trackingNumber>"
    b"</confirmation></confirmations>"
)


@pytest.mark.parametrize(
    "content", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, QUADRATIC],
    ids=["billion laughs", "external entity", "parameter entity", "quadratic blowup"],
)
def test_xml_entity_attacks_are_refused_by_defusedxml(content):
    with pytest.raises(UnreadableConfirmation) as refused:
        parse_confirmation_xml(content)
    assert str(refused.value).startswith("not well-formed XML: EntitiesForbidden")
    assert "root:" not in str(refused.value)


def test_a_formula_in_a_confirmation_csv_stays_text_and_a_formula_tracking_number_is_refused():
    # given
    good = b'delivery_note;tracking_number;carrier\r\nLS-2026-000001;00340434161094042557;"=HYPERLINK(""http://e"")"\r\n'
    evil = b"delivery_note;tracking_number\r\nLS-2026-000001;=1+cmd|' /C calc'!A0\r\n"
    # when
    [confirmation] = parse_confirmation_csv(good)
    # then: read as the text it is, never evaluated
    assert confirmation.carrier == '=HYPERLINK("http://e")'
    with pytest.raises(UnreadableConfirmation, match="does not look like a tracking number"):
        parse_confirmation_csv(evil)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe" + "delivery_note;tracking_number".encode("utf-16-le"), "the file holds no confirmation"),
        (b"delivery_note;tracking_number\r\nLS-1;" + b"A" * 65 + b"\r\n", "does not look like a tracking number"),
        (b'delivery_note;tracking_number\r\n"LS-1;ABC12345\r\n', "no tracking number"),
        (b"delivery_note;tracking_number;shipped_at\r\nLS-1;ABC12345;yesterday\r\n", "is not an ISO-8601 time"),
    ],
    ids=["empty", "utf-16", "overlong tracking", "unclosed quote", "bad time"],
)
def test_malformed_csv_is_refused_with_a_reason(content, problem):
    with pytest.raises(UnreadableConfirmation) as refused:
        parse_confirmation_csv(content)
    assert problem in str(refused.value)


# --- through a real FTP server ----------------------------------------------------------------------


@pytest.fixture
def ftp_server(tmp_path_factory):
    server = FtpServerThread(tmp_path_factory.mktemp("ftp"), user="ship", password="secret", port=0)
    server.root = server.server.handler.authorizer.get_home_dir("ship")
    server.start()
    yield server
    server.stop()


def _shipper(tmp_path, ftp_server) -> tuple:
    name = f"confirmations{next(_folders)}"
    folder = Path(ftp_server.root) / name
    folder.mkdir()
    shipper = Shipper.objects.create(
        code="dhl-3pl",
        carrier="DHL",
        transport={"kind": "folder", "path": str(tmp_path / "outbox")},
        document_format="csv",
        return_channel={"kind": "ftp", "url": f"ftp://ship:secret@127.0.0.1:{ftp_server.port}/{name}"},
        price_table=[],
    )
    return shipper, folder


def _transmitted(channel):
    shipment = route(make_order(channel))
    deliver_due_messages()
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"
    return shipment


@pytest.mark.django_db
def test_a_bomb_is_quarantined_and_the_good_file_beside_it_applied(ftp_server, channel, products, tmp_path):
    # given: in one folder, a billion-laughs file, an XXE file, and a good confirmation
    shipper, folder = _shipper(tmp_path, ftp_server)
    shipment = _transmitted(channel)
    (folder / "a-bomb.xml").write_bytes(BILLION_LAUGHS.replace(b"LS-1", shipment.number.encode()))
    (folder / "b-xxe.xml").write_bytes(EXTERNAL_ENTITY.replace(b"LS-1", shipment.number.encode()))
    (folder / "c-good.csv").write_bytes(f"delivery_note;tracking_number\r\n{shipment.number};TRACK00001\r\n".encode())

    # when
    processed = poll_shipper_return_channel(shipper)

    # then: the good file shipped the order; the attacks sit in quarantine, one ticket each
    assert processed == 3
    assert list(Package.objects.values_list("tracking_number", flat=True)) == ["TRACK00001"]
    assert sorted(p.name for p in (folder / "quarantine").iterdir()) == ["a-bomb.xml", "b-xxe.xml"]
    assert [p.name for p in (folder / "done").iterdir()] == ["c-good.csv"]
    tickets = Ticket.objects.filter(problem_key__startswith="quarantine:dhl-3pl:")
    assert sorted(t.title for t in tickets) == [
        "dhl-3pl: a-bomb.xml could not be read and was quarantined",
        "dhl-3pl: b-xxe.xml could not be read and was quarantined",
    ]
    assert all("EntitiesForbidden" in t.body and "root:x:0:0" not in t.body for t in tickets)
    shipper.refresh_from_db()
    assert shipper.last_poll_error == ""


HOSTILE_NAMES = [
    "../../outside.csv",
    "../outside.csv",
    "..",
    "sub/../../outside.csv",
    "/etc/passwd",
    "..\\..\\outside.csv",
    ".hidden.csv",
    "-rf.csv",
    "a;rm -rf ~.csv",
    "evil\r\nDELE good.csv",
]


@pytest.mark.django_db
def test_file_names_from_the_ftp_listing_are_never_used_unchecked(ftp_server, tmp_path):
    # given: a server whose listing names files outside the folder (as a hostile server could)
    try:  # pyftpdlib is imported (quietly) by the shipper simulator already
        from pyftpdlib.handlers import BufferedIteratorProducer
    except ImportError:
        from pyftpdlib.handlers.ftp.producers import BufferedIteratorProducer

    requested: list[str] = []
    base = ftp_server.server.handler

    class HostileListing(base):
        def ftp_MLSD(self, path):
            names = [*HOSTILE_NAMES, "good.csv"]
            lines = iter([f"type=file;size=10; {name}\r\n".encode() for name in names])
            self.push_dtp_data(BufferedIteratorProducer(lines), isproducer=True, cmd="MLSD")
            return path

        def ftp_RETR(self, file):
            requested.append(file)
            return super().ftp_RETR(file)

    ftp_server.server.handler = HostileListing
    _, folder = _shipper(tmp_path, ftp_server)
    (folder / "good.csv").write_bytes(b"delivery_note;tracking_number\r\nLS-1;ABC12345\r\n")
    (tmp_path / "outside.csv").write_bytes(b"secret")
    config = {"kind": "ftp", "url": f"ftp://ship:secret@127.0.0.1:{ftp_server.port}/{folder.name}"}

    # when
    items = FtpPickup().fetch(config, limit=50)

    # then: nothing outside the folder was asked for; a listed name the server cannot hand out
    # ("evil", split off the line with CR LF) is left alone and the good file is still read
    assert all(Path(r).parent == folder and is_safe_name(Path(r).name) for r in requested)
    assert sorted(Path(r).name for r in requested) == ["evil", "good.csv"]
    assert [item.name for item in items] == ["good.csv"]


@pytest.mark.parametrize("name", HOSTILE_NAMES + ["", "a" * 201, "nul\x00.csv", "é.csv"])
def test_hostile_names_are_not_safe(name):
    assert not is_safe_name(name)


@pytest.mark.parametrize("url", ["ftp://u:p@host/../../etc", "ftp://u:p@host/in/%2e%2e/out", "sftp://u:p@host/a/.."])
def test_a_return_channel_folder_may_not_climb_out(url):
    with pytest.raises(TerminalError, match=r"must not contain '\.\.'"):
        parse_remote({"url": url}, schemes={"ftp", "sftp"})


@pytest.mark.parametrize("folder", ["../done", "/etc", "done/../../x", ".hidden", "a\\b"])
def test_outcome_folders_are_plain_names(folder):
    with pytest.raises(TerminalError, match="must be a plain folder name"):
        outcome_folder({"done_folder": folder}, "done")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../../etc/passwd", "etcpasswd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("..", "attachment"),
        (".htaccess", "htaccess"),
        ("", "attachment"),
        ("photo of parcel.jpg", "photo_of_parcel.jpg"),
    ],
)
def test_ticket_attachment_names_stay_in_the_tickets_folder(name, stored):
    from orderpilot.core.actors import Actor
    from orderpilot.tickets.services import attach_file, open_ticket

    ticket, _ = open_ticket(reason="other", problem_key="attachment-test", title="a parcel")
    attachment = attach_file(ticket, actor=Actor("clerk"), name=name, content=b"data")
    # (the storage may add a suffix when a test before stored the same name)
    assert re.fullmatch(rf"tickets/{ticket.pk}/{re.escape(stored)}(_[A-Za-z0-9]{{7}})?", attachment.file.name)

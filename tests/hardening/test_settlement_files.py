"""Malformed and hostile settlement files: refused with PayoutFormatError naming the line, nothing
stored, a ticket for a person, and the other reports still imported."""

from __future__ import annotations

import io

import pytest

from orderpilot.channels.amazon.connector import AmazonConnector
from orderpilot.channels.models import ImportedSettlement
from orderpilot.channels.services import import_channel_settlements, import_due_settlements
from orderpilot.payments.base import PayoutFormatError
from orderpilot.payments.importers.amazon_settlement import COLUMNS, parse_settlement
from orderpilot.payments.models import PayoutImport, PayoutLine
from orderpilot.payments.services import import_settlement_file
from orderpilot.payments.tests.conftest import amount_row, settlement_file
from orderpilot.tickets.models import Ticket

SUMMARY = {
    "settlement-id": "11946237041",
    "settlement-start-date": "14.11.2026 07:49:55 UTC",
    "settlement-end-date": "28.11.2026 07:49:55 UTC",
    "deposit-date": "30.11.2026 07:49:55 UTC",
    "total-amount": "23,80",
    "currency": "EUR",
}
ROW = amount_row("028-5555555-5555555", "Order", "ItemPrice", "Principal", "23,80")


def _file(summary=None, rows=None, **kwargs) -> bytes:
    return settlement_file({**SUMMARY, **(summary or {})}, [ROW] if rows is None else rows, **kwargs)


def _parse(data: bytes) -> list:
    return list(parse_settlement(io.BytesIO(data)))


HOSTILE_FILES = [
    ("UTF-16", _file().decode("utf-8").encode("utf-16"), "line 1: a NUL byte: not a text file: is it UTF-16?"),
    ("NUL in a row", _file(rows=[{**ROW, "amount-description": "Princi\x00pal"}]), "line 3: a NUL byte"),
    ("a PNG", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "line 1: "),
    ("gzip still compressed", b"\x1f\x8b\x08\x00" + b"\xff" * 300, "it is still gzip-compressed"),
    ("columns of another report", b"order-id\tsku\tquantity\n1\t2\t3\n", "missing column(s) settlement-id"),
    ("header only", "\t".join(COLUMNS).encode() + b"\n", "no summary row after the header"),
    ("cut in the middle of a row", _file()[:-20], "the file is truncated"),
    ("an extra field with data", _file().rstrip(b"\n") + b"\tsurprise\n", "fields, the header has"),
    ("summary id of 100 characters", _file({"settlement-id": "1" * 100}), "is not an id"),
    ("summary id with a tab escape", _file({"settlement-id": "1\x1b[2J"}), "is not an id"),
    ("amount beyond the columns", _file(rows=[{**ROW, "amount": "1e20"}]), "'1e20' is out of range"),
    ("total of 10^13", _file({"total-amount": "10000000000000"}), "out of range"),
    ("amount NaN", _file(rows=[{**ROW, "amount": "NaN"}]), "'NaN' is not an amount in cents"),
    ("amount a formula", _file(rows=[{**ROW, "amount": "=1+1"}]), "'=1+1' is not an amount"),
    ("date before year 1 in UTC", _file(rows=[{**ROW, "posted-date": "0001-01-01T00:00:00+01:00"}]),
     "is not a date"),
    ("date 31.02.", _file(rows=[{**ROW, "posted-date": "31.02.2026"}]), "'31.02.2026' is not a date"),
    ("currency in words", _file({"currency": "Euro"}), "currency 'Euro' is not an ISO code"),
    ("a second settlement inside", _file(rows=[{**ROW, "settlement-id": "999"}]), "differs from the summary's"),
]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in HOSTILE_FILES],
                         ids=[name for name, _, _ in HOSTILE_FILES])
def test_a_hostile_file_is_refused_with_a_message(data, message):
    with pytest.raises(PayoutFormatError) as refused:
        _parse(data)
    assert message in str(refused.value)


def test_odd_but_harmless_values_are_read_safely():
    # given: a quantity in superscript digits, one of 20 digits, a formula in a description
    rows = [
        {**ROW, "quantity-purchased": "²"},
        {**ROW, "quantity-purchased": "9" * 20, "amount-description": "=HYPERLINK(\"x\")"},
    ]
    # when
    _, first, second = _parse(_file(rows=rows))
    # then: no quantity rather than a crash or an integer the database cannot hold
    assert (first.quantity, second.quantity) == (None, None)
    assert second.description == '=HYPERLINK("x")'  # stored as text; exports neutralise it


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in HOSTILE_FILES[:4]],
                         ids=[name for name, _, _ in HOSTILE_FILES[:4]])
def test_a_hostile_file_stores_nothing(data, message):
    with pytest.raises(PayoutFormatError):
        import_settlement_file("amazon-de", io.BytesIO(data))
    assert (PayoutImport.objects.count(), PayoutLine.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_bad_report_gets_a_ticket_and_the_good_one_after_it_is_imported(amazon_sim, amazon_channel):
    # given: Amazon lists a report a person must look at (cut short) and a good one
    truncated = _file({"settlement-id": "11111111111"})[:-25]
    row = amount_row("028-5555555-5555555", "Order", "ItemPrice", "Principal", "23,80")
    good = _file({"settlement-id": "22222222222"}, rows=[{**row, "settlement-id": "22222222222"}])
    for content in (truncated, good):
        assert amazon_sim.http.post("/_sim/settlement-reports", content=content).status_code == 201

    # when: the periodic job runs (twice: a repeat opens no second ticket)
    first = import_channel_settlements(amazon_channel, AmazonConnector(amazon_channel))
    amazon_channel.refresh_from_db()
    amazon_channel.settlements_checked_at = None
    amazon_channel.save(update_fields=["settlements_checked_at"])
    second = import_channel_settlements(amazon_channel, AmazonConnector(amazon_channel))

    # then: the good report is imported once, the bad one is not, and it has one ticket
    assert (first, second) == (1, 0)
    assert list(PayoutImport.objects.values_list("settlement_id", flat=True)) == ["22222222222"]
    assert ImportedSettlement.objects.count() == 1
    [ticket] = Ticket.objects.filter(problem_key__startswith="settlement:amazon-de:")
    assert ticket.title.endswith("could not be imported")
    assert "the file is truncated" in ticket.body
    amazon_channel.refresh_from_db()
    assert amazon_channel.settlements_checked_at is not None


@pytest.mark.django_db
def test_the_periodic_job_survives_a_file_of_garbage(amazon_sim, amazon_channel):
    # given: a "settlement report" whose rows are random bytes in cp1252 (the simulator only checks
    # the header's dates)
    garbage = "\t".join(COLUMNS).encode() + b"\n" + b"\t".join([b"\xff\xfe\x81"] * len(COLUMNS)) + b"\n"
    header_dates = _file()[: _file().index(b"\n", _file().index(b"\n") + 1) + 1]
    assert amazon_sim.http.post("/_sim/settlement-reports", content=header_dates + garbage[garbage.index(b"\n") + 1:]
                                ).status_code == 201

    # when
    imported = import_due_settlements()

    # then
    assert imported == 0
    assert Ticket.objects.filter(problem_key__startswith="settlement:").count() == 1
    assert PayoutImport.objects.count() == 0


@pytest.mark.django_db
def test_a_channel_whose_credentials_are_refused_does_not_keep_the_others_from_their_settlements(
    amazon_sim, amazon_channel
):
    # given: a second channel on the same marketplace whose secret was revoked, checked first
    from orderpilot.channels.models import Channel

    Channel.objects.create(
        code="amazon-a-revoked", kind="amazon", endpoint=amazon_sim.url, settings=amazon_channel.settings,
        secrets={**amazon_channel.secrets, "client_secret": "revoked"},
    )
    assert amazon_sim.http.post("/_sim/settlement-reports", content=_file()).status_code == 201

    # when
    imported = import_due_settlements()

    # then
    assert imported == 1
    assert ImportedSettlement.objects.get().channel == amazon_channel

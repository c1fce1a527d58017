import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orderpilot.core.models import SystemSetting
from orderpilot.invoicing.services import issue_credit_note
from orderpilot.payments.exports.datev import COLUMNS
from orderpilot.payments.models import AccountingExport, Expense, ExportedDocument, Payment, PayoutImport

from .conftest import issue, make_order

pytestmark = pytest.mark.django_db

NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")
DATEV_CONFIG = {"consultant_number": 29098, "client_number": 55003}


@pytest.fixture
def documents(company, amazon):
    """A domestic invoice, an OSS invoice to France, a credit note, a payment, a fee and a reserve."""
    SystemSetting.objects.create(key="accounting", value=DATEV_CONFIG)
    domestic = make_order(amazon, external_id="302-0000001-0000001")
    (invoice,) = issue(domestic)
    (oss,) = issue(make_order(amazon, external_id="302-0000002-0000002", country="FR", shipping="0"))
    other = make_order(amazon, external_id="302-0000003-0000003", name='=HYPERLINK("http://evil.example")')
    (cancelled,) = issue(other)
    credit = issue_credit_note(cancelled, reason="storniert", now=dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC))
    payout = PayoutImport.objects.create(
        source="amazon-de",
        settlement_id="11946237041",
        currency="EUR",
        total_amount=Decimal("8.84"),
        deposit_date=dt.datetime(2026, 11, 30, 7, 49, tzinfo=dt.UTC),
    )
    payment = Payment.objects.create(
        order=domestic,
        invoice=invoice,
        payout=payout,
        amount=Decimal("24.80"),
        currency="EUR",
        received_at=payout.deposit_date,
        source="amazon-de",
        reference="11946237041:302-0000001-0000001",
    )
    fee = Expense.objects.create(
        payout=payout, category="fee", type="Commission", amount=Decimal("-5.96"), count=2
    )
    reserve = Expense.objects.create(
        payout=payout, category="reserve", type="Current Reserve Amount", amount=Decimal("-10.00"), count=1
    )
    return {
        "invoice": invoice,
        "oss": oss,
        "credit": credit,
        "payment": payment,
        "fee": fee,
        "reserve": reserve,
    }


def _read(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n")
    return list(csv.reader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))


def test_datev_header_has_the_31_fields_of_version_700(documents, tmp_path):
    # when
    call_command("export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(tmp_path / "EXTF.csv"))
    # then
    raw = (tmp_path / "EXTF.csv").read_bytes().split(b"\r\n")[0].decode("cp1252").split(";")
    assert len(raw) == 31
    assert raw[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"]
    assert len(raw[5]) == 17
    assert raw[5].isdigit()
    assert raw[6:10] == [
        "",
        '"OP"',
        '"OrderPilot"',
        '""',
    ]  # Importiert, Herkunft, Exportiert von, Importiert von
    assert raw[10:16] == ["29098", "55003", "20260101", "4", "20261101", "20261130"]
    assert raw[16:22] == ['"OrderPilot 01.11.-30.11.2026"', '""', "1", "0", "0", '"EUR"']
    assert raw[22:31] == ["", '""', "", "", '"03"', "", "", '""', '""']


def test_datev_bookings_field_by_field(documents, tmp_path):
    # when
    path = tmp_path / "EXTF.csv"
    call_command("export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(path))
    rows = _read(path)
    # then the column line names all 125 columns of Formatversion 13
    assert rows[1] == list(COLUMNS)
    assert len(COLUMNS) == 125
    assert (
        COLUMNS[39],
        COLUMNS[40],
        COLUMNS[94],
        COLUMNS[113],
        COLUMNS[114],
        COLUMNS[118],
        COLUMNS[119],
    ) == (
        "EU-Land u. UStID (Bestimmung)",
        "EU-Steuersatz (Bestimmung)",
        "Auftragsnummer",
        "Festschreibung",
        "Leistungsdatum",
        "Steuersatz",
        "Land",
    )
    bookings = rows[2:]
    assert all(len(row) == 125 for row in bookings)

    def fields(row):
        return {COLUMNS[i]: value for i, value in enumerate(row) if value}

    invoice, oss, cancelled, credit, payment, fee, reserve = (fields(row) for row in bookings)
    assert invoice == {
        "Umsatz (ohne Soll/Haben-Kz)": "24,80",
        "Soll/Haben-Kennzeichen": "S",
        "WKZ Umsatz": "EUR",
        "Konto": "10000",
        "Gegenkonto (ohne BU-Schlüssel)": "8400",
        "Belegdatum": "2711",
        "Belegfeld 1": "RE-2026-000001",
        "Buchungstext": "Rechnung RE-2026-000001 Erika Mustermann",
        "Auftragsnummer": "302-0000001-0000001",
        "Festschreibung": "0",
        "Leistungsdatum": "27112026",
        "Steuersatz": "19,00",
        "Land": "DE",
    }  # 8400 is an automatic account: no BU key
    assert (
        oss["Umsatz (ohne Soll/Haben-Kz)"],
        oss["Gegenkonto (ohne BU-Schlüssel)"],
        oss["BU-Schlüssel"],
    ) == ("19,90", "8320", "240")
    assert (oss["EU-Land u. UStID (Bestimmung)"], oss["EU-Steuersatz (Bestimmung)"], oss["Land"]) == (
        "FR",
        "20,00",
        "FR",
    )
    assert (cancelled["Belegfeld 1"], cancelled["Soll/Haben-Kennzeichen"]) == ("RE-2026-000003", "S")
    assert {
        k: credit[k]
        for k in (
            "Umsatz (ohne Soll/Haben-Kz)",
            "Soll/Haben-Kennzeichen",
            "Konto",
            "Gegenkonto (ohne BU-Schlüssel)",
            "Belegdatum",
            "Belegfeld 1",
        )
    } == {
        "Umsatz (ohne Soll/Haben-Kz)": "24,80",
        "Soll/Haben-Kennzeichen": "H",
        "Konto": "10000",
        "Gegenkonto (ohne BU-Schlüssel)": "8400",
        "Belegdatum": "2811",
        "Belegfeld 1": "GS-2026-000001",
    }
    assert payment == {
        "Umsatz (ohne Soll/Haben-Kz)": "24,80",
        "Soll/Haben-Kennzeichen": "H",
        "WKZ Umsatz": "EUR",
        "Konto": "10000",
        "Gegenkonto (ohne BU-Schlüssel)": "1360",
        "Belegdatum": "3011",
        "Belegfeld 1": "RE-2026-000001",
        "Buchungstext": "Zahlung amazon-de 11946237041 302-0000001-0000001",
        "Auftragsnummer": "302-0000001-0000001",
        "Festschreibung": "0",
    }
    assert fee == {
        "Umsatz (ohne Soll/Haben-Kz)": "5,96",
        "Soll/Haben-Kennzeichen": "S",
        "WKZ Umsatz": "EUR",
        "Konto": "4970",
        "Gegenkonto (ohne BU-Schlüssel)": "1360",
        "BU-Schlüssel": "9",
        "Belegdatum": "3011",
        "Belegfeld 1": "11946237041",
        "Buchungstext": "amazon-de Commission",
        "Festschreibung": "0",
    }
    assert (reserve["Konto"], reserve["Umsatz (ohne Soll/Haben-Kz)"], "BU-Schlüssel" in reserve) == (
        "1385",
        "10,00",
        False,
    )
    # and the raw line quotes text and leaves amounts and accounts bare
    raw_line = path.read_bytes().split(b"\r\n")[2].decode("cp1252")
    assert raw_line.startswith('24,80;"S";"EUR";;;;10000;8400;;2711;"RE-2026-000001";')


def test_export_does_not_repeat_documents_unless_asked(documents, tmp_path):
    # given a first export
    call_command("export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(tmp_path / "1.csv"))
    # when exporting the same period again
    call_command("export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(tmp_path / "2.csv"))
    call_command(
        "export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(tmp_path / "3.csv"), "--again"
    )
    # then the second file has no bookings and the third repeats the first's
    first, second, third = (_read(tmp_path / name) for name in ("1.csv", "2.csv", "3.csv"))
    assert len(first) == 9
    assert len(second) == 2
    assert third[2:] == first[2:]
    exports = list(AccountingExport.objects.order_by("pk").values_list("bookings", "again"))
    assert exports == [(7, False), (0, False), (7, True)]
    assert sorted(
        ExportedDocument.objects.filter(export__again=False).values_list("document_type", "document_key")
    ) == sorted(
        [
            ("invoice", "RE-2026-000001"),
            ("invoice", "RE-2026-000002"),
            ("invoice", "RE-2026-000003"),
            ("credit_note", "GS-2026-000001"),
            ("payment", str(documents["payment"].pk)),
            ("expense", str(documents["fee"].pk)),
            ("expense", str(documents["reserve"].pk)),
        ]
    )
    # and a CSV export is logged apart from DATEV: it still gets every document
    call_command("export", "accounting", "--format", "csv", *NOVEMBER, "-o", str(tmp_path / "plain.csv"))
    assert AccountingExport.objects.filter(format="csv").get().bookings == 7


def test_non_automatic_revenue_account_gets_the_tax_key_of_its_rate(documents, tmp_path):
    # given an advisor who books 19 % sales on a non-automatic account, on SKR04
    SystemSetting.objects.filter(key="accounting").update(
        value={**DATEV_CONFIG, "chart": "04", "revenue_accounts": {"19.00": "4000"}}
    )
    # when
    call_command("export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(tmp_path / "x.csv"))
    # then
    rows = _read(tmp_path / "x.csv")
    assert rows[0][26] == "04"
    assert [(row[6], row[7], row[8]) for row in rows[2:5]] == [
        ("10000", "4000", "3"),
        ("10000", "4320", "240"),
        ("10000", "4000", "3"),
    ]


def test_plain_csv_is_formula_safe(documents, tmp_path):
    # when
    call_command("export", "accounting", "--format", "csv", *NOVEMBER, "-o", str(tmp_path / "plain.csv"))
    # then
    rows = list(csv.DictReader(io.StringIO((tmp_path / "plain.csv").read_text(encoding="utf-8"))))
    assert [(r["document_type"], r["document"], r["gross"]) for r in rows] == [
        ("invoice", "RE-2026-000001", "24.80"),
        ("invoice", "RE-2026-000002", "19.90"),
        ("invoice", "RE-2026-000003", "24.80"),
        ("credit_note", "GS-2026-000001", "-24.80"),
        ("payment", "RE-2026-000001", "24.80"),
        ("expense", "11946237041", "-5.96"),
        ("expense", "11946237041", "-10.00"),
    ]
    assert rows[2]["customer"] == '\'=HYPERLINK("http://evil.example")'
    assert (rows[1]["net"], rows[1]["tax"], rows[1]["tax_rate"], rows[1]["treatment"]) == (
        "16.58",
        "3.32",
        "20.00",
        "oss",
    )


def test_datev_export_refuses_without_consultant_numbers_and_across_years(company, tmp_path):
    # given no DATEV numbers
    with pytest.raises(CommandError, match="consultant_number"):
        call_command("export", "accounting", "--format", "datev", *NOVEMBER, "-o", str(tmp_path / "x.csv"))
    SystemSetting.objects.create(key="accounting", value=DATEV_CONFIG)
    with pytest.raises(CommandError, match="one calendar year"):
        call_command(
            "export",
            "accounting",
            "--format",
            "datev",
            "--from",
            "2026-12-01",
            "--to",
            "2027-01-31",
            "-o",
            str(tmp_path / "x.csv"),
        )
    # then nothing was written or logged
    assert not (tmp_path / "x.csv").exists()
    assert AccountingExport.objects.count() == 0

"""DATEV EXTF Buchungsstapel: header version 700, category 21, Formatversion 13 (125 columns).

File rules (research/compliance.md §4.1–4.3): Windows-1252, ``;`` separated, text in double
quotes with ``"`` doubled, CRLF; amounts unsigned with a decimal comma (``1234,56``) and the
direction in Soll/Haben; Belegdatum ``TTMM`` (the year comes from the header); Leistungsdatum
``TTMMJJJJ``; all bookings of one file within one calendar year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from orderpilot.core.exceptions import ConfigurationError
from orderpilot.core.spreadsheet import neutralise_cell

from ..settings import AccountingSettings
from .bookings import Booking

ENCODING = "cp1252"
HEADER_VERSION = 700
CATEGORY = 21
FORMAT_NAME = "Buchungsstapel"
FORMAT_VERSION = 13

#: The 125 column headings of Formatversion 13, as in line 2 of DATEV's sample files.
COLUMNS: tuple[str, ...] = (
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    *(f"Beleginfo - {part} {n}" for n in range(1, 9) for part in ("Art", "Inhalt")),
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenstelle",
    "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)",
    "Abw. Versteuerungsart",
    "Sachverhalt L+L",
    "Funktionsergänzung L+L",
    "BU 49 Hauptfunktionstyp",
    "BU 49 Hauptfunktionsnummer",
    "BU 49 Funktionsergänzung",
    *(
        f"Zusatzinformation{' ' if part == 'Art' else ''}- {part} {n}"
        for n in range(1, 21)
        for part in ("Art", "Inhalt")
    ),
    "Stück",
    "Gewicht",
    "Zahlweise",
    "Forderungsart",
    "Veranlagungsjahr",
    "Zugeordnete Fälligkeit",
    "Skontotyp",
    "Auftragsnummer",
    "Buchungstyp",
    "USt-Schlüssel (Anzahlungen)",
    "EU-Land (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)",
    "EU-Steuersatz (Anzahlungen)",
    "Erlöskonto (Anzahlungen)",
    "Herkunft-Kz",
    "Buchungs GUID",
    "KOST-Datum",
    "SEPA-Mandatsreferenz",
    "Skontosperre",
    "Gesellschaftername",
    "Beteiligtennummer",
    "Identifikationsnummer",
    "Zeichnernummer",
    "Postensperre bis",
    "Bezeichnung SoBil-Sachverhalt",
    "Kennzeichen SoBil-Buchung",
    "Festschreibung",
    "Leistungsdatum",
    "Datum Zuord. Steuerperiode",
    "Fälligkeit",
    "Generalumkehr (GU)",
    "Steuersatz",
    "Land",
    "Abrechnungsreferenz",
    "BVV-Position",
    "EU-Land u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)",
    "Abw. Skontokonto",
)
POSITION = {name: index for index, name in enumerate(COLUMNS)}
#: header positions (1-based) written as quoted text, as DATEV's own files do
QUOTED_HEADER_FIELDS = {1, 4, 8, 9, 10, 17, 18, 22, 24, 27, 30, 31}


def datev_amount(value: Decimal) -> str:
    """``1234.5`` → ``1234,50``: unsigned, decimal comma, no thousands separator."""
    return f"{abs(value):.2f}".replace(".", ",")


def text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def header_fields(
    settings: AccountingSettings, *, date_from: dt.date, date_to: dt.date, created: dt.datetime, label: str
) -> list[str]:
    """The 31 fields of the header line (compliance.md §4.2)."""
    if settings.consultant_number is None or settings.client_number is None:
        raise ConfigurationError(
            "DATEV export needs accounting.consultant_number and accounting.client_number"
        )
    if date_from.year != date_to.year:
        raise ConfigurationError(
            "a DATEV file covers one calendar year: --from and --to must be in the same year"
        )
    fiscal_begin = settings.fiscal_year_begin(date_from.year)
    if fiscal_begin > date_from:
        fiscal_begin = settings.fiscal_year_begin(date_from.year - 1)
    values = [
        "EXTF",
        str(HEADER_VERSION),
        str(CATEGORY),
        FORMAT_NAME,
        str(FORMAT_VERSION),
        created.strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}",
        "",
        settings.origin,
        "OrderPilot",
        "",
        str(settings.consultant_number),
        str(settings.client_number),
        fiscal_begin.strftime("%Y%m%d"),
        str(settings.account_length),
        date_from.strftime("%Y%m%d"),
        date_to.strftime("%Y%m%d"),
        label[:30],
        settings.dictation,
        "1",
        "0",
        "1" if settings.lock else "0",
        "EUR",
        "",
        "",
        "",
        "",
        settings.chart,
        "",
        "",
        "",
        "",
    ]
    return [text(v) if position in QUOTED_HEADER_FIELDS else v for position, v in enumerate(values, start=1)]


def booking_fields(booking: Booking) -> list[str]:
    """The 125 fields of one booking line."""
    fields = [""] * len(COLUMNS)

    def put(column: str, value: str, *, quoted: bool = False) -> None:
        # text fields come from outside (order numbers, names in the booking text): a spreadsheet
        # opening the file must not run them as formulas
        if value:
            fields[POSITION[column]] = text(neutralise_cell(value)) if quoted else value

    put("Umsatz (ohne Soll/Haben-Kz)", datev_amount(booking.amount))
    put("Soll/Haben-Kennzeichen", booking.side, quoted=True)
    put("WKZ Umsatz", booking.currency, quoted=True)
    put("Konto", booking.account)
    put("Gegenkonto (ohne BU-Schlüssel)", booking.contra_account)
    put("BU-Schlüssel", booking.tax_key, quoted=True)
    put("Belegdatum", booking.date.strftime("%d%m"))
    put("Belegfeld 1", booking.receipt, quoted=True)
    put("Buchungstext", booking.text, quoted=True)
    put("EU-Land u. UStID (Bestimmung)", booking.eu_destination, quoted=True)
    if booking.eu_rate is not None:
        put("EU-Steuersatz (Bestimmung)", datev_amount(booking.eu_rate))
    put("Auftragsnummer", booking.order_number[:30], quoted=True)
    put("Festschreibung", "0")
    if booking.service_date:
        put("Leistungsdatum", booking.service_date.strftime("%d%m%Y"))
    if booking.tax_rate is not None and booking.tax_rate > 0:
        put("Steuersatz", datev_amount(booking.tax_rate))
    put("Land", booking.country, quoted=True)
    return fields


def write_datev(
    bookings: Sequence[Booking],
    settings: AccountingSettings,
    *,
    date_from: dt.date,
    date_to: dt.date,
    created: dt.datetime,
) -> bytes:
    """The whole file, encoded as Windows-1252 (characters it lacks become ``?``)."""
    label = f"OrderPilot {date_from:%d.%m.}-{date_to:%d.%m.%Y}"
    lines = [
        ";".join(header_fields(settings, date_from=date_from, date_to=date_to, created=created, label=label)),
        ";".join(COLUMNS),
    ]
    for booking in bookings:
        if not date_from <= booking.date <= date_to:
            raise ValueError(f"booking {booking.receipt} dated {booking.date} is outside the file's period")
        lines.append(";".join(booking_fields(booking)))
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING, errors="replace")

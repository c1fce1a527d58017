"""The EN 16931 XML (UN/CEFACT CII) of an invoice, built with drafthorse.

Two flavours share one builder:

- ``FACTURX``: Factur-X/ZUGFeRD profile EN 16931 (``urn:cen.eu:en16931:2017``), embedded in the PDF;
- ``XRECHNUNG``: the German CIUS for public-sector buyers (XRechnung 3.0), a pure XML file that
  also needs the buyer's Leitweg-ID (BT-10), the seller's contact (BG-6) and both parties'
  electronic addresses (BT-34, BT-49).

Credit notes are type 381 with positive amounts and the corrected invoice as BT-25.
Both are checked against the EN 16931 XSD that drafthorse ships (Factur-X 1.0.07) before they
leave this module; the tests check them again against factur-x's newer XSD (1.09).
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from lxml import etree

from orderpilot.core.exceptions import TerminalError

from ..tax import EXEMPTION_CODES, EXEMPTION_NOTES
from .data import InvoiceData

FACTURX = "urn:cen.eu:en16931:2017"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
UNIT_PIECE = "H87"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"


def build_cii(data: InvoiceData, *, guideline: str = FACTURX) -> bytes:
    """The CII XML of ``data``, validated against the EN 16931 XSD (raises on a violation)."""
    sign = Decimal(-1) if data.is_credit_note else Decimal(1)
    doc = Document()
    doc.context.guideline_parameter.id = guideline
    if guideline == XRECHNUNG:
        doc.context.business_parameter.id = PEPPOL_BILLING
    doc.header.id = data.number
    doc.header.type_code = TYPE_CREDIT_NOTE if data.is_credit_note else TYPE_INVOICE
    doc.header.issue_date_time = data.issued_on
    for note in data.notes:
        doc.header.notes.add(_note(f"{note['de']} / {note['en']}"))
    if data.reason:
        doc.header.notes.add(_note(data.reason))

    agreement = doc.trade.agreement
    if guideline == XRECHNUNG:
        reference = data.buyer.get("buyer_reference", "")
        if not reference:
            raise TerminalError(f"{data.number}: an XRechnung needs the buyer's Leitweg-ID (buyer reference)")
        agreement.buyer_reference = reference
    _seller(agreement.seller, data.seller, xrechnung=guideline == XRECHNUNG)
    _buyer(agreement.buyer, data.buyer, xrechnung=guideline == XRECHNUNG)
    if data.order_reference:
        agreement.buyer_order.issuer_assigned_id = data.order_reference

    delivery = doc.trade.delivery
    ship_country = data.destination_country or data.buyer.get("country", "")
    if ship_country:
        delivery.ship_to.address.country_id = ship_country
    if data.delivery_date:
        delivery.event.occurrence = data.delivery_date

    for line in data.lines:
        doc.trade.items.add(_line_item(line, sign))

    settlement = doc.trade.settlement
    settlement.currency_code = data.currency
    settlement.payment_means.add(_payment_means(data))
    for group in data.groups:
        tax = ApplicableTradeTax()
        tax.calculated_amount = _amount(group.tax * sign)
        tax.basis_amount = _amount(group.net * sign)
        tax.type_code = "VAT"
        tax.category_code = group.category
        if group.category in EXEMPTION_CODES:
            note = EXEMPTION_NOTES[group.category]
            tax.exemption_reason = f"{note.de} / {note.en}"
            tax.exemption_reason_code = EXEMPTION_CODES[group.category]
        tax.rate_applicable_percent = group.rate
        settlement.trade_tax.add(tax)
    settlement.terms.add(PaymentTerms(description=_payment_terms(data)))
    if data.is_credit_note:
        settlement.invoice_referenced_document.issuer_assigned_id = data.refers_number
        settlement.invoice_referenced_document.issue_date_time = data.refers_issued_on

    totals = settlement.monetary_summation
    net, tax, gross = data.net_total * sign, data.tax_total * sign, data.gross_total * sign
    prepaid = gross if data.payment.get("prepaid") and not data.is_credit_note else Decimal("0.00")
    totals.line_total = _amount(net)
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = _amount(net)
    totals.tax_total = (_amount(tax), data.currency)
    totals.grand_total = _amount(gross)
    totals.prepaid_total = _amount(prepaid)
    totals.due_amount = _amount(gross - prepaid)
    xml = doc.serialize(schema=None)
    errors = validation_errors(xml)
    if errors:
        raise TerminalError(
            f"{data.number}: the e-invoice violates the EN 16931 XSD: {'; '.join(errors[:3])}"
        )
    return xml


@functools.cache
def _schema() -> etree.XMLSchema:
    """drafthorse's EN 16931 XSD, parsed once per process (drafthorse itself parses it per call)."""
    import drafthorse

    return etree.XMLSchema(
        file=str(Path(drafthorse.__file__).parent / "schema" / "Factur-X_1.0.07_EN16931.xsd")
    )


def validation_errors(xml: bytes) -> list[str]:
    schema = _schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def _amount(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _note(text: str) -> IncludedNote:
    note = IncludedNote()
    note.content = text
    return note


def _address(target, party: dict) -> None:
    address = target.address
    if party.get("postal_code"):
        address.postcode = party["postal_code"]
    if party.get("street"):
        address.line_one = party["street"]
    if party.get("address2"):
        address.line_two = party["address2"]
    if party.get("city"):
        address.city_name = party["city"]
    address.country_id = party.get("country") or "DE"


def _seller(target, seller: dict, *, xrechnung: bool) -> None:
    target.name = seller["name"]
    if xrechnung:
        if not (seller.get("email") and seller.get("phone")):
            raise TerminalError("an XRechnung needs the seller's email and phone (company settings)")
        target.contact.person_name = seller.get("managing_director") or seller["name"]
        target.contact.telephone.number = seller["phone"]
        target.contact.email.address = seller["email"]
    _address(target, seller)
    if seller.get("email"):
        target.electronic_address.uri_ID = ("EM", seller["email"])
    if seller.get("vat_id"):
        target.tax_registrations.add(TaxRegistration(id=("VA", seller["vat_id"])))
    if seller.get("tax_number"):
        target.tax_registrations.add(TaxRegistration(id=("FC", seller["tax_number"])))


def _buyer(target, buyer: dict, *, xrechnung: bool) -> None:
    target.name = buyer.get("company") or buyer.get("name") or "-"
    _address(target, buyer)
    if buyer.get("email"):
        target.electronic_address.uri_ID = ("EM", buyer["email"])
    elif xrechnung:
        raise TerminalError("an XRechnung needs the buyer's electronic address (email)")
    if buyer.get("vat_id"):
        target.tax_registrations.add(TaxRegistration(id=("VA", buyer["vat_id"])))


def _line_item(line, sign: Decimal) -> LineItem:
    item = LineItem()
    item.document.line_id = str(line.position)
    if line.sku:
        item.product.seller_assigned_id = line.sku
    item.product.name = line.description
    item.agreement.net.amount = line.unit_net
    item.delivery.billed_quantity = (line.quantity * sign, UNIT_PIECE)
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = line.category
    item.settlement.trade_tax.rate_applicable_percent = line.tax_rate
    item.settlement.monetary_summation.total_amount = _amount(line.net * sign)
    return item


def _payment_means(data: InvoiceData) -> PaymentMeans:
    means = PaymentMeans()
    iban = data.payment.get("iban", "")
    if not data.payment.get("prepaid") and iban:
        means.type_code = "58"  # SEPA credit transfer
        means.payee_account.iban = iban
        if data.payment.get("bic"):
            means.payee_institution.bic = data.payment["bic"]
    else:
        means.type_code = "ZZZ"  # mutually defined: paid through the marketplace or shop
        if data.payment.get("via"):
            means.information.add(f"Bezahlt über/Paid via {data.payment['via']}")
    return means


def _payment_terms(data: InvoiceData) -> str:
    if data.is_credit_note:
        return "Der Betrag wird erstattet. / The amount will be refunded."
    if data.payment.get("prepaid"):
        via = data.payment.get("via")
        suffix_de, suffix_en = (f" über {via}", f" via {via}") if via else ("", "")
        return f"Bereits bezahlt{suffix_de}. / Already paid{suffix_en}."
    return "Zahlbar sofort ohne Abzug. / Payable immediately without deduction."

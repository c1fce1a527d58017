import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from orderpilot.core.exceptions import TerminalError
from orderpilot.invoicing.models import ImmutableError, Invoice, InvoiceDocument, InvoiceLine
from orderpilot.invoicing.rendering.data import invoice_data
from orderpilot.invoicing.rendering.render import render_documents, render_xrechnung
from orderpilot.invoicing.services import cancel_invoiced_order, store_document

from .conftest import ISSUED_AT, issue

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
#: what pikepdf's PDF/A validator reports for every Factur-X file: it does not know XMP extension
#: schemas, which PDF/A allows (ISO 19005-3 §6.6.2.3) and Factur-X requires for its fx: properties
EXTENSION_SCHEMA_FINDINGS = ("pdfaExtension", "pdfaSchema", "pdfaProperty", "fx=", "fx:")


def _lines(invoice):
    return [
        (
            line.position,
            line.kind,
            line.description,
            line.quantity,
            line.tax_rate,
            line.category,
            line.net,
            line.tax,
            line.gross,
        )
        for line in invoice.lines.all()
    ]


def _text(pdf: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_domestic_invoice_has_every_section_14_item_in_pdf_and_xml(company, shop, order_factory):
    # given a shipped domestic order: one mug and shipping
    order = order_factory(shop, external_id="SHOP-1001")
    # when
    (invoice,) = issue(order)
    document, created = store_document(invoice)
    # then the numbers and amounts are exact to the cent
    assert created is True
    assert (invoice.number, invoice.kind, invoice.treatment) == ("RE-2026-000001", "invoice", "domestic")
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Decimal("20.84"),
        Decimal("3.96"),
        Decimal("24.80"),
    )
    assert _lines(invoice) == [
        (
            1,
            "goods",
            "Becher blau",
            Decimal("1.000"),
            Decimal("19.00"),
            "S",
            Decimal("16.72"),
            Decimal("3.18"),
            Decimal("19.90"),
        ),
        (
            2,
            "shipping",
            "Versandkosten / Shipping",
            Decimal("1.000"),
            Decimal("19.00"),
            "S",
            Decimal("4.12"),
            Decimal("0.78"),
            Decimal("4.90"),
        ),
    ]
    # and the PDF's text carries every §14 Abs. 4 UStG item
    text = _text(bytes(document.pdf))
    for item in (
        "Muster GmbH",
        "Hauptstr. 1",
        "94032 Passau",  # seller, full address
        "DE136695976",
        "123/456/78901",  # VAT ID and tax number
        "Erika Mustermann",
        "Heidestraße 17",
        "51147 Köln",  # buyer, full address
        "27.11.2026",  # invoice date and delivery date
        "RE-2026-000001",  # the number
        "Becher blau",
        "MUG-01",  # description
        "16,72 €",
        "4,12 €",  # net per line
        "Summe netto / Net total",
        "20,84 €",  # net per rate
        "USt / VAT 19 % auf / on 20,84 €",
        "3,96 €",  # rate and VAT per rate
        "Gesamtbetrag / Total amount",
        "24,80 €",  # gross
        "Rechnung / Invoice",
        "Amtsgericht Passau HRB 1234",
        "Max Muster",
    ):
        assert item in text, item
    assert "Lieferdatum / Delivery date" in text
    assert "Menge" in text
    # and the embedded XML is the stored one, valid against the official EN 16931 XSD
    filename, xml = get_facturx_xml_from_pdf(bytes(document.pdf), check_xsd=False)
    assert filename == "factur-x.xml"
    assert xml == bytes(document.xml)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True


def test_invoice_xml_matches_the_golden_file(company, shop, order_factory):
    # given
    order = order_factory(shop, external_id="SHOP-1001")
    # when
    (invoice,) = issue(order)
    _, xml = get_facturx_xml_from_pdf(bytes(store_document(invoice)[0].pdf), check_xsd=True)
    # then
    expected = (GOLDEN / "RE-2026-000001.xml").read_bytes()
    assert etree.tostring(etree.fromstring(xml), pretty_print=True).decode() == expected.decode()


def test_pdf_is_pdfa3b_with_embedded_fonts_output_intent_and_attachment(company, shop, order_factory):
    # given
    (invoice,) = issue(order_factory(shop))
    pdf = bytes(store_document(invoice)[0].pdf)
    # then: pikepdf's PDF/A validator (veraPDF's rules) finds nothing but the XMP extension schema
    import pikepdf.pdfa

    report = pikepdf.pdfa.validate_written(io.BytesIO(pdf), "3b")
    unexpected = [
        f
        for f in report.findings
        if not (
            f.rule == "ISO_19005_3:6.6.2.3.1-1" and any(k in f.message for k in EXTENSION_SCHEMA_FINDINGS)
        )
    ]
    assert unexpected == []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        intent = document.Root.OutputIntents[0]
        assert (intent.S, str(intent.OutputConditionIdentifier)) == ("/GTS_PDFA1", "sRGB IEC61966-2.1")
        assert len(intent.DestOutputProfile.read_bytes()) > 1000
        fonts = {str(f.BaseFont): f for page in document.pages for f in page.Resources.Font.values()}
        assert sorted(name.split("+")[1] for name in fonts) == ["DejaVuSans", "DejaVuSans-Bold"]
        assert all("/FontFile2" in f.FontDescriptor for f in fonts.values())
        spec = document.Root.AF[0]
        assert (str(spec.F), spec.AFRelationship, spec.EF.F.Subtype) == (
            "factur-x.xml",
            "/Alternative",
            "/text/xml",
        )
        xmp = document.Root.Metadata.read_bytes()
        assert b"<pdfaid:part>3</pdfaid:part>" in xmp
        assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
        assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp


def test_rendering_again_from_the_snapshot_gives_the_same_bytes(company, shop, order_factory):
    # given an issued and rendered invoice
    order = order_factory(shop)
    (invoice,) = issue(order)
    stored = store_document(invoice)[0]
    # when the order, the customer and the company change afterwards, and it is rendered again
    order.shipping_address = {**order.shipping_address, "street": "Anderswo 9"}
    order.save()
    order.customer.name = "Someone Else"
    order.customer.save()
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.filter(key="company").update(value={**company, "name": "Renamed AG"})
    again = render_documents(invoice_data(Invoice.objects.get(pk=invoice.pk)))
    # then
    assert again.pdf == bytes(stored.pdf)
    assert again.xml == bytes(stored.xml)
    assert "Heidestraße 17" in _text(again.pdf)
    assert "Renamed AG" not in _text(again.pdf)
    assert store_document(invoice) == (stored, False)


def test_oss_b2c_orders_are_taxed_at_the_destination_rate(company, shop, order_factory):
    # given consumers in France (20 %) and Austria (20 %), and one in France with a reduced-rate book
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.create(key="invoicing", value={"oss_reduced_rates": {"FR": "5.5"}})
    france = order_factory(
        shop, country="FR", lines=(("MUG-01", "Becher", 2, "11.90", "19"),), shipping="5.90"
    )
    austria = order_factory(shop, country="AT", lines=(("LAMP-02", "Lampe", 1, "59.50", "19"),), shipping="0")
    book = order_factory(shop, country="FR", lines=(("BOOK-1", "Buch", 1, "21.40", "7"),), shipping="0")
    # when
    (fr,) = issue(france)
    (at,) = issue(austria)
    (fr_book,) = issue(book)
    # then
    assert (fr.treatment, fr.destination_country) == ("oss", "FR")
    assert _lines(fr) == [
        (
            1,
            "goods",
            "Becher",
            Decimal("2.000"),
            Decimal("20.00"),
            "S",
            Decimal("19.83"),
            Decimal("3.97"),
            Decimal("23.80"),
        ),
        (
            2,
            "shipping",
            "Versandkosten / Shipping",
            Decimal("1.000"),
            Decimal("20.00"),
            "S",
            Decimal("4.92"),
            Decimal("0.98"),
            Decimal("5.90"),
        ),
    ]
    assert (fr.net_total, fr.tax_total, fr.gross_total) == (
        Decimal("24.75"),
        Decimal("4.95"),
        Decimal("29.70"),
    )
    assert _lines(at) == [
        (
            1,
            "goods",
            "Lampe",
            Decimal("1.000"),
            Decimal("20.00"),
            "S",
            Decimal("49.58"),
            Decimal("9.92"),
            Decimal("59.50"),
        ),
    ]
    assert (at.treatment, at.tax_total) == ("oss", Decimal("9.92"))
    assert (fr_book.lines.get().tax_rate, fr_book.net_total, fr_book.tax_total) == (
        Decimal("5.50"),
        Decimal("20.28"),
        Decimal("1.12"),
    )
    assert fr.notes[0]["de"].startswith("Innergemeinschaftlicher Fernverkauf")
    xml = etree.fromstring(store_document(fr)[0].xml)
    assert xml.xpath(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent/text()",
        namespaces=NS,
    ) == ["20.00"]


def test_oss_without_participation_uses_the_seller_rate(company, shop, order_factory):
    # given a seller below the EU threshold
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.create(key="invoicing", value={"oss": False})
    # when
    (invoice,) = issue(order_factory(shop, country="FR", shipping="0"))
    # then
    assert (invoice.treatment, invoice.lines.get().tax_rate, invoice.tax_total) == (
        "domestic",
        Decimal("19.00"),
        Decimal("3.18"),
    )


def test_reduced_rate_goods_to_oss_country_without_configured_rate_are_refused(company, shop, order_factory):
    # given
    order = order_factory(shop, country="IT", lines=(("BOOK-1", "Buch", 1, "10.70", "7"),))
    # when / then
    with pytest.raises(TerminalError, match="oss_reduced_rates.IT"):
        issue(order)
    from orderpilot.core.models import NumberSeries

    assert Invoice.objects.count() == 0
    assert not NumberSeries.objects.filter(code="invoice:2026", last_value__gt=0).exists()


def test_eu_business_with_vat_id_gets_a_tax_free_reverse_charge_invoice(company, shop, order_factory):
    # given an Austrian business with a valid VAT ID
    order = order_factory(
        shop,
        country="AT",
        business=True,
        vat_id="ATU13585627",
        company="Alpen Handel GmbH",
        lines=(("LAMP-02", "Lampe", 2, "50.00", "19"),),
        shipping="10.00",
    )
    # when
    (invoice,) = issue(order)
    document = store_document(invoice)[0]
    # then: 0 %, category K, the amounts paid are the net amounts
    assert (invoice.treatment, invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        "intra_eu",
        Decimal("110.00"),
        Decimal("0.00"),
        Decimal("110.00"),
    )
    assert {(line.category, line.tax_rate) for line in invoice.lines.all()} == {("K", Decimal("0.00"))}
    assert invoice.buyer["vat_id"] == "ATU13585627"
    # and both documents carry the legal note and both VAT IDs
    text = _text(bytes(document.pdf))
    assert "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)" in text
    assert "§ 4 Nr. 1b i. V. m. § 6a UStG" in text
    assert "ATU13585627" in text
    assert "DE136695976" in text
    xml = etree.fromstring(document.xml)
    tax = xml.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)[0]
    assert tax.findtext("ram:CategoryCode", namespaces=NS) == "K"
    assert tax.findtext("ram:ExemptionReasonCode", namespaces=NS) == "VATEX-EU-IC"
    assert tax.findtext("ram:CalculatedAmount", namespaces=NS) == "0.00"
    assert xml.xpath("//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()", namespaces=NS) == [
        "ATU13585627"
    ]
    assert xml.xpath("//ram:ShipToTradeParty//ram:CountryID/text()", namespaces=NS) == ["AT"]


def test_business_with_invalid_vat_id_is_taxed_like_a_consumer(company, shop, order_factory):
    # when
    (invoice,) = issue(order_factory(shop, country="AT", business=True, vat_id="ATU12345678", shipping="0"))
    # then
    assert (invoice.treatment, invoice.lines.get().category, invoice.tax_total) == (
        "oss",
        "S",
        Decimal("3.32"),
    )


def test_export_outside_the_eu_is_tax_free(company, shop, order_factory):
    (invoice,) = issue(order_factory(shop, country="CH", shipping="0"))
    assert (invoice.treatment, invoice.lines.get().category, invoice.tax_total) == (
        "export",
        "G",
        Decimal("0.00"),
    )
    assert "Steuerfreie Ausfuhrlieferung" in invoice.notes[0]["de"]


def test_cancelled_after_invoicing_gets_a_credit_note(company, shop, order_factory):
    # given an invoiced order
    order = order_factory(shop)
    (invoice,) = issue(order)
    order.status = "invoiced"
    order.save()
    # when it is cancelled
    (credit,) = cancel_invoiced_order(order, reason="Kunde storniert / cancelled by the customer")
    # then a credit note in its own series negates every line and refers to the invoice
    assert (credit.number, credit.kind, credit.refers_id) == ("GS-2026-000001", "credit_note", invoice.pk)
    assert (credit.net_total, credit.tax_total, credit.gross_total) == (
        Decimal("-20.84"),
        Decimal("-3.96"),
        Decimal("-24.80"),
    )
    assert [line[1:] for line in _lines(credit)] == [
        (
            "goods",
            "Becher blau",
            Decimal("-1.000"),
            Decimal("19.00"),
            "S",
            Decimal("-16.72"),
            Decimal("-3.18"),
            Decimal("-19.90"),
        ),
        (
            "shipping",
            "Versandkosten / Shipping",
            Decimal("-1.000"),
            Decimal("19.00"),
            "S",
            Decimal("-4.12"),
            Decimal("-0.78"),
            Decimal("-4.90"),
        ),
    ]
    assert credit.buyer == invoice.buyer
    assert credit.seller == invoice.seller
    order.refresh_from_db()
    assert order.status == "cancelled"
    # and its e-invoice is a 381 credit note referring to the invoice
    document = store_document(credit)[0]
    xml = etree.fromstring(document.xml)
    assert xml.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert xml.xpath("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()", namespaces=NS) == [
        "RE-2026-000001"
    ]
    assert xml.xpath("//ram:GrandTotalAmount/text()", namespaces=NS) == ["24.80"]
    assert xml_check_xsd(bytes(document.xml), flavor="factur-x", level="en16931") is True
    assert "Rechnungskorrektur / Credit note GS-2026-000001" in _text(bytes(document.pdf))
    # and cancelling again issues nothing more
    assert cancel_invoiced_order(order, reason="again") == []
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_issued_invoice_and_its_document_cannot_be_changed_or_deleted(company, shop, order_factory):
    # given
    (invoice,) = issue(order_factory(shop))
    document = store_document(invoice)[0]
    # when / then
    invoice.gross_total = Decimal("1.00")
    with pytest.raises(ImmutableError):
        invoice.save()
    with pytest.raises(ImmutableError):
        invoice.delete()
    with pytest.raises(ImmutableError):
        document.save()
    with pytest.raises(ImmutableError):
        document.delete()
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.gross_total == Decimal("24.80")
    assert InvoiceDocument.objects.filter(invoice=invoice).count() == 1
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2


def test_a_rollback_returns_the_number(company, shop, order_factory):
    # given an issue that fails after taking a number
    order = order_factory(shop)

    def issue_then_crash():
        with transaction.atomic():
            issue(order)
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        issue_then_crash()
    # when issuing again
    (invoice,) = issue(order)
    # then the number was not burnt
    assert invoice.number == "RE-2026-000001"


def test_missing_company_settings_refuse_to_invoice(shop, order_factory):
    with pytest.raises(TerminalError, match="no company settings"):
        issue(order_factory(shop))
    assert Invoice.objects.count() == 0


def test_xrechnung_for_a_public_sector_buyer(company, shop, order_factory):
    # given a buyer with a Leitweg-ID
    order = order_factory(
        shop,
        company="Stadt Passau",
        business=True,
        billing_extra={"buyer_reference": "991-12345-67"},
    )
    (invoice,) = issue(order)
    # when
    xml = render_xrechnung(invoice_data(invoice))
    # then
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)
    assert root.xpath("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()", namespaces=NS) == [
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    ]
    assert root.xpath(
        "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID/text()", namespaces=NS
    ) == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
    assert root.xpath("//ram:BuyerReference/text()", namespaces=NS) == ["991-12345-67"]
    assert root.xpath(
        "//ram:SellerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID/text()",
        namespaces=NS,
    ) == ["rechnung@muster.example"]
    assert root.xpath(
        "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID/@schemeID", namespaces=NS
    ) == ["EM"]


def test_xrechnung_without_leitweg_id_is_refused(company, shop, order_factory):
    (invoice,) = issue(order_factory(shop))
    with pytest.raises(TerminalError, match="Leitweg-ID"):
        render_xrechnung(invoice_data(invoice))


def test_issue_time_is_the_invoice_date(company, shop, order_factory):
    (invoice,) = issue(order_factory(shop), at=ISSUED_AT)
    assert invoice.issued_at == ISSUED_AT
    assert invoice_data(invoice).issued_on.isoformat() == "2026-11-27"


def test_an_invalid_e_invoice_is_refused_with_the_xsd_message():
    # given XML without the seller, which EN 16931 requires
    from orderpilot.invoicing.rendering.einvoice import validation_errors

    xml = (GOLDEN / "RE-2026-000001.xml").read_bytes()
    root = etree.fromstring(xml)
    seller = root.find(".//ram:SellerTradeParty", namespaces=NS)
    seller.getparent().remove(seller)
    # when
    errors = validation_errors(etree.tostring(root))
    # then
    assert len(errors) == 1
    assert "BuyerTradeParty" in errors[0]
    assert "SellerTradeParty" in errors[0]
    assert validation_errors(xml) == []

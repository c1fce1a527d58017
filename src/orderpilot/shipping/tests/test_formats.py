"""Delivery documents: the built-in formats, merchant templates (sandboxed), the PDF, rendered once."""

from __future__ import annotations

import io
import json

import pytest
from defusedxml import ElementTree
from pypdf import PdfReader

from orderpilot.core.exceptions import TerminalError
from orderpilot.shipping.documents import shipment_document
from orderpilot.shipping.formats.pdf import PdfFormat
from orderpilot.shipping.formats.templating import check_template
from orderpilot.shipping.formats.textual import CsvFormat, JsonFormat, TextFormat, XmlFormat
from orderpilot.shipping.models import ShipmentDocument, Shipper

from .conftest import route

DATA = {
    "delivery_note": "LS-2026-000042",
    "order": "302-1234567-1234567",
    "channel": "amazon-de",
    "shipper": "dhl-3pl",
    "carrier": "DHL",
    "service": "express",
    "created_at": "2026-03-02T10:00:00+00:00",
    "ship_by": None,
    "cash_on_delivery": True,
    "cod_amount": "49.80",
    "currency": "EUR",
    "weight_g": 1350,
    "sender": "Muster GmbH",
    "reason": "",
    "shipping_address": {"name": "Erika <Mustermann> & Co", "street": "Heidestraße 17", "postal_code": "51147",
                         "city": "Köln", "country": "DE"},
    "lines": [
        {"sku": "MUG-01", "title": "Mug \"Blue\"", "quantity": 2, "weight_g": 450},
        {"sku": "=cmd()", "title": "Coaster", "quantity": 1, "weight_g": 450},
    ],
}


def test_csv_default_has_one_row_per_line_and_defuses_formulas():
    # when
    text = CsvFormat().render(DATA).decode()

    # then
    assert text.split("\r\n") == [
        "delivery_note;order;service;cash_on_delivery;name;company;street;address2;postal_code;city;country;sku;"
        "title;quantity;weight_g",
        'LS-2026-000042;302-1234567-1234567;express;1;Erika <Mustermann> & Co;;Heidestraße 17;;51147;Köln;DE;'
        'MUG-01;"Mug ""Blue""";2;450',
        "LS-2026-000042;302-1234567-1234567;express;1;Erika <Mustermann> & Co;;Heidestraße 17;;51147;Köln;DE;"
        "'=cmd();Coaster;1;450",
        "",
    ]


def test_xml_default_escapes_every_value_and_is_well_formed():
    # when
    content = XmlFormat().render(DATA)

    # then
    root = ElementTree.fromstring(content)
    assert root.tag == "deliveryNote"
    assert root.get("number") == "LS-2026-000042"
    assert root.findtext("shippingAddress/name") == "Erika <Mustermann> & Co"
    assert root.findtext("cashOnDelivery") == "49.80"
    lines = [(line.findtext("sku"), line.findtext("title"), line.findtext("quantity")) for line in root.iter("line")]
    assert lines == [
        ("MUG-01", 'Mug "Blue"', "2"),
        ("=cmd()", "Coaster", "1"),
    ]
    assert b"Erika &lt;Mustermann&gt; &amp; Co" in content


def test_json_default_is_the_data():
    assert json.loads(JsonFormat().render(DATA)) == DATA


def test_text_default_reads_like_a_delivery_note():
    # when
    text = TextFormat().render(DATA).decode()

    # then
    assert text.splitlines()[:3] == [
        "Delivery note LS-2026-000042",
        "Order 302-1234567-1234567 (amazon-de), service express, cash on delivery 49.80 EUR",
        "",
    ]
    assert "   2 x MUG-01  Mug \"Blue\"  (450 g each)" in text
    assert text.endswith("Total weight: 1350 g\n")


def test_cancellation_defaults_name_the_delivery_note():
    data = {**DATA, "reason": "order cancelled"}
    assert CsvFormat().render(data, purpose="cancellation").decode() == (
        "action;delivery_note;order\r\nCANCEL;LS-2026-000042;302-1234567-1234567\r\n"
    )
    root = ElementTree.fromstring(XmlFormat().render(data, purpose="cancellation"))
    assert (root.tag, root.get("deliveryNote"), root.findtext("reason")) == (
        "cancellation", "LS-2026-000042", "order cancelled"
    )


def test_merchant_template_replaces_the_default():
    # given: a 3PL that wants its own CSV layout
    template = '{{ ["Auftrag", "Artikel", "Menge"]|csv_row(",") }}\n{% for l in lines %}' \
               '{{ [delivery_note, l.sku, l.quantity]|csv_row(",") }}\n{% endfor %}'

    # when
    text = CsvFormat().render(DATA, template=template).decode()

    # then
    assert text == "Auftrag,Artikel,Menge\r\nLS-2026-000042,MUG-01,2\r\nLS-2026-000042,'=cmd(),1\r\n"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lines.__class__.__init__.__globals__ }}",
        "{{ data.items.__self__.__class__ }}",
    ],
)
def test_template_cannot_reach_python_internals(template):
    with pytest.raises(TerminalError, match="template"):
        TextFormat().render(DATA, template=template)


def test_template_with_a_typo_fails_loudly():
    with pytest.raises(TerminalError, match="'delivery_nte' is undefined"):
        TextFormat().render(DATA, template="{{ delivery_nte }}")


def test_xml_template_that_breaks_the_document_is_refused():
    with pytest.raises(TerminalError, match="not well-formed"):
        XmlFormat().render(DATA, template="<a>{{ order }}</b>")


def test_json_template_that_is_not_json_is_refused():
    with pytest.raises(TerminalError, match="invalid JSON"):
        JsonFormat().render(DATA, template='{"order": {{ order }}}')


def test_check_template_names_the_line():
    with pytest.raises(ValueError, match="line 2"):
        check_template("ok\n{% for x in %}", format_name="text")


def test_pdf_has_lines_weights_address_and_service():
    # when
    content = PdfFormat().render(DATA, template="Bitte klingeln bei {{ shipping_address.name }}.")

    # then
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert reader.metadata.title == "Lieferschein / Delivery note LS-2026-000042"
    for expected in ("LS-2026-000042", "302-1234567-1234567", "express", "MUG-01", "Mug \"Blue\"", "900",
                     "Erika <Mustermann> & Co", "Heidestraße 17", "51147 Köln", "1350", "49.80 EUR",
                     "Bitte klingeln bei Erika <Mustermann> & Co."):
        assert expected in text, expected


def test_pdf_is_reproducible():
    assert PdfFormat().render(DATA) == PdfFormat().render(DATA)


@pytest.mark.django_db
def test_document_is_rendered_once_and_kept(order_factory, folder_shipper):
    # given
    folder_shipper.document_format = "xml"
    folder_shipper.save(update_fields=["document_format"])
    shipment = route(order_factory())
    first = shipment_document(shipment, "delivery_note")

    # when: the shipper's template changes after the first rendering
    Shipper.objects.filter(pk=folder_shipper.pk).update(document_template="<changed/>")
    shipment.refresh_from_db()
    second = shipment_document(shipment, "delivery_note")

    # then: the stored document is sent again, unchanged
    assert second == first
    assert first.filename == f"{shipment.number}.xml"
    assert ShipmentDocument.objects.filter(shipment=shipment).count() == 1


@pytest.mark.django_db
def test_packing_slip_of_the_in_house_warehouse_is_a_pdf(order_factory, warehouse):
    # given
    shipment = route(order_factory())

    # when
    slip = shipment_document(shipment, "packing_slip")

    # then
    assert (slip.filename, slip.media_type) == (f"{shipment.number}.pdf", "application/pdf")
    text = PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    assert "Packschein / Packing slip" in text
    assert "MUG-01" in text

import copy
import datetime as dt
from decimal import Decimal

import pytest

from orderpilot.channels.base import Buyer, ChannelLine, PostalAddress, ShipmentConfirmation
from orderpilot.channels.ebay.mapping import ebay_carrier, fulfillment_body, order_from_ebay
from orderpilot.channels.ebay.payouts import payout_from_ebay

from .conftest import fixture


@pytest.fixture
def raw():
    return fixture("order_de.json")


def test_fixture_order_maps_to_a_channel_order(raw):
    # when
    order = order_from_ebay(raw)
    # then
    assert order.external_id == "04-11302-58321"
    assert order.marketplace_status == "NOT_STARTED/PAID"
    assert (order.awaiting_marketplace, order.cancelled, order.cancellation_requested) == (False, False, False)
    assert order.ordered_at == dt.datetime(2026, 3, 2, 8, 14, 31, tzinfo=dt.UTC)
    assert order.updated_at == dt.datetime(2026, 3, 2, 8, 16, 2, tzinfo=dt.UTC)
    assert (order.currency, order.total_gross, order.shipping_gross) == ("EUR", Decimal("39.20"), Decimal("4.90"))
    assert order.lines == (
        ChannelLine(external_line_id="10068221301223", sku="MUG-01", quantity=2, unit_price=Decimal("12.90"),
                    title="Kaffeebecher Steingut 350 ml, handgemacht", tax_rate=Decimal("19")),
        ChannelLine(external_line_id="10068221301224", sku="TEA-03", quantity=1, unit_price=Decimal("8.50"),
                    title="Teedose Edelstahl", tax_rate=Decimal("19")),
    )  # fmt: skip
    assert order.ship_by == dt.datetime(2026, 3, 3, 22, 59, 59, tzinfo=dt.UTC)
    assert (order.service_level, order.payment_method, order.language) == ("standard", "ebay", "de")
    assert order.gift_message == "Alles Gute zum Geburtstag!"
    assert order.buyer_note == ""
    assert order.buyer == Buyer(email="erika.mustermann@example.com", name="Erika Mustermann",
                                phone="0221 1234567", external_id="erika.m_1984")  # fmt: skip
    assert order.shipping_address == PostalAddress(
        name="Erika Mustermann", street="Heidestraße 17", address2="Hinterhaus", postal_code="51147", city="Köln",
        country="DE", phone="0221 1234567",
    )  # fmt: skip
    assert order.billing_address == PostalAddress(name="Erika Mustermann", street="Heidestraße 17",
                                                  postal_code="51147", city="Köln", country="DE",
                                                  phone="0221 1234567")  # fmt: skip
    assert order.raw is raw


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"orderPaymentStatus": "PENDING"}, (True, False, False)),
        ({"orderPaymentStatus": "FAILED"}, (True, False, False)),
        ({"orderPaymentStatus": "FULLY_REFUNDED"}, (False, True, False)),
        ({"cancelStatus": {"cancelState": "CANCELED", "cancelRequests": []}}, (False, True, False)),
        ({"cancelStatus": {"cancelState": "IN_PROGRESS", "cancelRequests": []}}, (False, False, True)),
        ({"cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": [{"cancelRequestState": "REQUESTED"}]}},
         (False, False, True)),
    ],
)  # fmt: skip
def test_payment_and_cancel_states_decide_waiting_cancelled_and_requested(raw, changes, expected):
    # given
    raw.update(changes)
    # when
    order = order_from_ebay(raw)
    # then
    assert (order.awaiting_marketplace, order.cancelled, order.cancellation_requested) == expected


def test_cancelled_orders_say_so_in_the_marketplace_status(raw):
    raw["cancelStatus"] = {"cancelState": "CANCELED", "cancelRequests": []}
    assert order_from_ebay(raw).marketplace_status == "CANCELED"


@pytest.mark.parametrize(
    ("service_code", "extra", "level"),
    [("DE_DHLExpress", (), "express"), ("UPSNextDay", (), "express"), ("DE_DHLPaket", (), "standard"),
     ("DE_UPSStandard", ("DE_UPSStandard",), "express")],
)  # fmt: skip
def test_shipping_service_code_decides_express(raw, service_code, extra, level):
    # given
    raw["fulfillmentStartInstructions"][0]["shippingStep"]["shippingServiceCode"] = service_code
    # when
    order = order_from_ebay(raw, express_services=extra)
    # then
    assert order.service_level == level


def test_buyer_checkout_notes_become_the_buyer_note_and_promotions_the_discount(raw):
    # given
    raw["buyerCheckoutNotes"] = "  Bitte beim Nachbarn abgeben.  "
    raw["lineItems"][0]["appliedPromotions"] = [
        {"promotionId": "5001", "description": "10 % Rabatt",
         "discountAmount": {"value": "2.58", "currency": "EUR"}},
    ]
    # when
    order = order_from_ebay(raw)
    # then
    assert order.buyer_note == "Bitte beim Nachbarn abgeben."
    assert order.lines[0].discount == Decimal("2.58")


def test_line_taxes_imply_the_vat_rate(raw):
    # given a line of 25.80 gross with 1.69 VAT (7 %)
    raw["lineItems"][0]["taxes"] = [{"taxType": "VAT", "amount": {"value": "1.69", "currency": "EUR"}}]
    # when
    order = order_from_ebay(raw)
    # then
    assert [line.tax_rate for line in order.lines] == [Decimal("7"), Decimal("19")]


def test_fulfillment_body_names_lines_carrier_code_and_a_clean_tracking_number():
    # given
    confirmation = ShipmentConfirmation(
        order_external_id="04-11302-58321", package_reference=1, carrier="Deutsche Post",
        tracking_number="RR 1234 5678 9DE", shipped_at=dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC),
        items=(("10068221301223", 2), ("10068221301224", 1)),
    )  # fmt: skip
    # when
    body = fulfillment_body(confirmation)
    # then
    assert body == {
        "lineItems": [{"lineItemId": "10068221301223", "quantity": 2}, {"lineItemId": "10068221301224", "quantity": 1}],
        "shippedDate": "2026-03-02T15:30:00.000Z",
        "shippingCarrierCode": "DeutschePost",
        "trackingNumber": "RR123456789DE",
    }


def test_carrier_names_map_to_ebay_codes():
    assert [ebay_carrier(c) for c in ("DHL", "dpd", "Hermes", "Royal Mail", "Post Luxembourg", "")] == [
        "DHL", "DPD", "Hermes", "RoyalMail", "PostLuxembourg", "Other",
    ]  # fmt: skip


def test_payout_lines_carry_order_gross_fees_and_signed_amounts():
    # given a payout of one sale (net of fees) and one shipping label
    raw_payout = {"payoutId": "7000000001", "payoutStatus": "SUCCEEDED", "payoutDate": "2026-03-03T06:00:00.000Z",
                  "amount": {"value": "21.48", "currency": "EUR"}, "bankReference": "EBAY 7000000001"}  # fmt: skip
    sale = {
        "transactionId": "19-11111-11111", "orderId": "04-11302-58321", "transactionType": "SALE",
        "bookingEntry": "CREDIT", "transactionDate": "2026-03-02T08:14:35.000Z",
        "amount": {"value": "26.97", "currency": "EUR"},
        "totalFeeBasisAmount": {"value": "30.70", "currency": "EUR"},
        "totalFeeAmount": {"value": "3.73", "currency": "EUR"},
        "orderLineItems": [{"lineItemId": "10068221301223", "marketplaceFees": [
            {"feeType": "FINAL_VALUE_FEE", "amount": {"value": "3.38", "currency": "EUR"}},
            {"feeType": "FINAL_VALUE_FEE_FIXED_PER_ORDER", "amount": {"value": "0.35", "currency": "EUR"}}]}],
    }  # fmt: skip
    label = {"transactionId": "L-1", "transactionType": "SHIPPING_LABEL", "bookingEntry": "DEBIT",
             "transactionDate": "2026-03-02T15:00:00.000Z", "amount": {"value": "5.49", "currency": "EUR"},
             "transactionMemo": "DHL Paket 2 kg"}  # fmt: skip
    # when
    payout = payout_from_ebay(raw_payout, [copy.deepcopy(sale), label])
    # then
    assert (payout.payout_id, payout.status, payout.amount, payout.currency) == (
        "7000000001", "SUCCEEDED", Decimal("21.48"), "EUR",
    )  # fmt: skip
    assert payout.paid_at == dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC)
    assert payout.bank_reference == "EBAY 7000000001"
    first, second = payout.lines
    assert (first.kind, first.order_external_id, first.amount, first.gross, first.fees) == (
        "SALE", "04-11302-58321", Decimal("26.97"), Decimal("30.70"), Decimal("3.73"),
    )  # fmt: skip
    assert first.fee_breakdown == (("FINAL_VALUE_FEE", Decimal("3.38")), ("FINAL_VALUE_FEE_FIXED_PER_ORDER",
                                                                           Decimal("0.35")))  # fmt: skip
    assert (second.kind, second.order_external_id, second.amount, second.gross, second.fees, second.memo) == (
        "SHIPPING_LABEL", "", Decimal("-5.49"), Decimal("-5.49"), Decimal("0"), "DHL Paket 2 kg",
    )  # fmt: skip
    assert payout.reconciles is True


def test_payout_document_reads_back_as_settlement_lines_that_add_up():
    # given a payout of a sale with fees, a refund with a fee credit and a shipping label
    from orderpilot.channels.ebay.payouts import parse_payout_document, payout_document
    from orderpilot.payments.base import PayoutSummary

    raw_payout = {"payoutId": "7000000009", "payoutStatus": "SUCCEEDED", "payoutDate": "2026-03-03T06:00:00.000Z",
                  "amount": {"value": "8.98", "currency": "EUR"}}  # fmt: skip
    sale = {"transactionId": "S-1", "orderId": "04-11302-58321", "transactionType": "SALE", "bookingEntry": "CREDIT",
            "transactionDate": "2026-03-02T08:14:35.000Z", "amount": {"value": "26.97", "currency": "EUR"},
            "totalFeeBasisAmount": {"value": "30.70", "currency": "EUR"},
            "orderLineItems": [{"lineItemId": "1", "marketplaceFees": [
                {"feeType": "FINAL_VALUE_FEE", "amount": {"value": "3.38", "currency": "EUR"}},
                {"feeType": "FINAL_VALUE_FEE_FIXED_PER_ORDER", "amount": {"value": "0.35", "currency": "EUR"}},
            ]}]}  # fmt: skip
    refund = {"transactionId": "R-1", "orderId": "04-11302-00007", "transactionType": "REFUND", "bookingEntry": "DEBIT",
              "transactionDate": "2026-03-02T12:00:00.000Z", "amount": {"value": "12.50", "currency": "EUR"},
              "totalFeeBasisAmount": {"value": "14.00", "currency": "EUR"}}  # fmt: skip
    label = {"transactionId": "L-1", "transactionType": "SHIPPING_LABEL", "bookingEntry": "DEBIT",
             "transactionDate": "2026-03-02T15:00:00.000Z", "amount": {"value": "5.49", "currency": "EUR"}}  # fmt: skip
    payout = payout_from_ebay(raw_payout, [sale, refund, label])
    # when
    summary, *lines = parse_payout_document(payout_document(payout).splitlines(keepends=True))
    # then
    assert summary == PayoutSummary(settlement_id="7000000009", currency="EUR", total_amount=Decimal("8.98"),
                                    deposit_date=dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC))  # fmt: skip
    assert [(n.line_number, n.order_ref, n.category, n.amount_type, n.amount, n.is_refund) for n in lines] == [
        (1, "04-11302-58321", "principal", "Gross", Decimal("30.70"), False),
        (2, "04-11302-58321", "fee", "FINAL_VALUE_FEE", Decimal("-3.38"), False),
        (3, "04-11302-58321", "fee", "FINAL_VALUE_FEE_FIXED_PER_ORDER", Decimal("-0.35"), False),
        (4, "04-11302-00007", "principal", "Gross", Decimal("-14.00"), True),
        (5, "04-11302-00007", "fee", "FeeCredit", Decimal("1.50"), False),
        (6, "", "fee", "SHIPPING_LABEL", Decimal("-5.49"), False),
    ]
    assert sum(n.amount for n in lines) == summary.total_amount


def test_a_document_that_is_not_an_ebay_payout_is_refused():
    from orderpilot.channels.ebay.payouts import parse_payout_document
    from orderpilot.payments.base import PayoutFormatError

    with pytest.raises(PayoutFormatError, match="line 1: the document does not start with the payout"):
        list(parse_payout_document([b'{"transaction": {}}\n']))
    with pytest.raises(PayoutFormatError, match="line 1: not an eBay payout document"):
        list(parse_payout_document([b"settlement-id\ttotal-amount\n"]))

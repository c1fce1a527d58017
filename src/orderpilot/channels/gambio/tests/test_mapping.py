import datetime as dt
from decimal import Decimal

import pytest

from orderpilot.channels.base import Buyer, ChannelLine, PostalAddress
from orderpilot.channels.gambio.mapping import ShopRules, order_from_gambio, payment_kind

from .conftest import fixture


@pytest.fixture
def raw():
    return fixture("order_cod.json")


@pytest.fixture
def listed():
    return fixture("order_cod_list_item.json")


def test_fixture_order_maps_to_a_channel_order(raw, listed):
    # when
    order = order_from_gambio(raw, listed, ShopRules())
    # then
    assert (order.external_id, order.marketplace_status) == ("400210", "Offen")
    assert order.ordered_at == dt.datetime(2026, 3, 2, 9, 14, 31, tzinfo=dt.UTC)  # 10:14:31 in Berlin (CET)
    assert order.updated_at == order.ordered_at
    assert (order.currency, order.total_gross, order.shipping_gross) == ("EUR", Decimal("32.7"), Decimal("4.9"))
    assert order.lines == (
        ChannelLine(external_line_id="5311", sku="MUG-01", title="Kaffeebecher Steingut (Farbe: blau)", quantity=2,
                    unit_price=Decimal("12.9"), discount=Decimal("0.00"), tax_rate=Decimal("19")),
    )  # fmt: skip
    assert (order.payment_method, order.cash_on_delivery, order.awaiting_marketplace) == ("cod", True, False)
    assert (order.cancelled, order.service_level, order.language, order.buyer_note) == (False, "standard", "de", "")
    assert order.buyer == Buyer(email="max.mustermann@example.com", name="Max Mustermann",
                                phone="0421 - 22 34 678", external_id="K10042")  # fmt: skip
    assert order.shipping_address == PostalAddress(
        name="Max Mustermann", street="Testweg 123", address2="1. Etage", postal_code="28219", city="Bremen",
        country="DE", phone="0421 - 22 34 678",
    )  # fmt: skip
    assert order.raw == {"order": raw, "listItem": listed}


@pytest.mark.parametrize(
    ("payment", "addons", "kind"),
    [({"module": "moneyorder"}, {}, "prepayment"), ({"module": "paypal3"}, {}, "paypal"),
     ({"module": "cod"}, {}, "cod"),
     ({"module": "invoice"}, {}, "invoice"), ({"module": "MoneyOrder"}, {}, "prepayment"),
     ({"module": "gambio_hub"}, {"gambio_hub_selection": "PayPal2Hub"}, "paypal"),
     ({"module": "gambio_hub"}, {"gambio_hub_selection": "CashOnDeliveryHub"}, "cod"),
     ({"module": "sofort_sofortueberweisung"}, {}, "sofort_sofortueberweisung")],
)  # fmt: skip
def test_payment_modules_are_recognised(payment, addons, kind):
    assert payment_kind(payment, addons) == kind


@pytest.mark.parametrize(
    ("module", "status_id", "rules", "awaiting"),
    [("moneyorder", 1, ShopRules(), True),
     ("moneyorder", 2, ShopRules(), False),
     ("moneyorder", 1, ShopRules(release_unpaid_prepayment=True), False),
     ("moneyorder", 1, ShopRules(awaiting_payment_status_ids=frozenset({1, 5})), True),
     ("moneyorder", 99, ShopRules(), False),
     ("paypal3", 1, ShopRules(), False),
     ("invoice", 1, ShopRules(), False)],
)  # fmt: skip
def test_prepaid_orders_wait_for_their_payment_unless_the_shop_says_otherwise(raw, module, status_id, rules,
                                                                             awaiting):  # fmt: skip
    # given
    raw.update(paymentType={"title": module, "module": module}, statusId=status_id)
    # when
    order = order_from_gambio(raw, None, rules)
    # then
    assert order.awaiting_marketplace is awaiting
    assert order.cash_on_delivery is False


def test_cancelled_status_cancels_and_history_moves_updated_at(raw):
    # given
    raw["statusId"] = 99
    raw["statusHistory"].append({"id": 982, "statusId": 99, "dateAdded": "2026-03-03 08:00:00", "comment": "",
                                 "customerNotified": False})  # fmt: skip
    # when
    order = order_from_gambio(raw, None, ShopRules())
    # then
    assert order.cancelled is True
    assert order.updated_at == dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC)
    assert order.marketplace_status == "status 99"


def test_comment_is_the_buyer_note_and_country_comes_from_the_country_id_without_a_list_item(raw):
    # given
    raw["comment"] = " Bitte klingeln bei Meier. "
    raw["addresses"]["delivery"]["countryId"] = 14
    # when
    order = order_from_gambio(raw, None, ShopRules())
    # then
    assert order.buyer_note == "Bitte klingeln bei Meier."
    assert order.shipping_address.country == "AT"


def test_net_items_fractional_quantities_and_line_discounts(raw):
    # given a net-priced line of 1.5 litres with a group discount, and an express shipping module
    raw["items"][0].update(quantity=1.5, price=10, finalPrice=13.5, isTaxAllowed=False, quantityUnitName="Liter")
    raw["shippingType"] = {"title": "DHL Express", "module": "dhlexpress_dhlexpress"}
    # when
    order = order_from_gambio(raw, None, ShopRules())
    # then
    [line] = order.lines
    assert (line.quantity, line.unit_price, line.discount, line.tax_rate) == (
        2, Decimal("10"), Decimal("1.50"), Decimal("0"),
    )  # fmt: skip
    assert line.customization == {"fractional_quantity": "1.5 Liter"}
    assert order.service_level == "express"


def test_customer_id_is_the_external_id_when_the_shop_has_no_customer_number(raw):
    raw["customer"]["number"] = ""
    assert order_from_gambio(raw, None, ShopRules()).buyer.external_id == "1207"

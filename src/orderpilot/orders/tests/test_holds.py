from decimal import Decimal

import pytest

from orderpilot.orders.holds import OrderFacts, Rule, evaluate

CLEAN = OrderFacts(
    channel="shop",
    total_gross=Decimal("49.90"),
    currency="EUR",
    buyer_note="",
    gift_message="",
    customized_skus=(),
    unknown_skus=(),
    shipping_address={
        "name": "Erika", "street": "Heidestr. 17", "postal_code": "51147", "city": "Köln", "country": "DE"
    },
    cancellation_requested=False,
)


def facts(**changes):
    return OrderFacts(**{**CLEAN.__dict__, **changes})


CASES = [
    ("buyer_note", {}, {"buyer_note": "Bitte anrufen"}, {"note": "Bitte anrufen"}),
    ("gift_message", {}, {"gift_message": "Alles Gute!"}, {"message": "Alles Gute!"}),
    ("customisation", {}, {"customized_skus": ("MUG-01",)}, {"skus": ["MUG-01"]}),
    ("unknown_sku", {}, {"unknown_skus": ("X-9",)}, {"skus": ["X-9"]}),
    ("total_above", {"limit": "1500.00"}, {"total_gross": Decimal("1500.01")},
     {"total": "1500.01 EUR", "limit": "1500.00"}),
    ("country_not_in", {"countries": ["DE", "AT"]}, {"shipping_address": {**CLEAN.shipping_address, "country": "CH"}},
     {"country": "CH", "served": ["DE", "AT"]}),
    ("address_incomplete", {}, {"shipping_address": {**CLEAN.shipping_address, "street": "Heidestraße"}},
     {"missing": ["house_number"]}),
    ("address_incomplete", {}, {"shipping_address": {**CLEAN.shipping_address, "postal_code": " "}},
     {"missing": ["postal_code"]}),
    ("cancellation_requested", {}, {"cancellation_requested": True}, {"requested": True}),
]


@pytest.mark.parametrize(("when", "params", "changes", "evidence"), CASES)
def test_rule_fires_on_a_fitting_order_and_not_on_a_clean_one(when, params, changes, evidence):
    rule = Rule(code=f"my-{when}", when=when, params=params)
    assert evaluate(CLEAN, [rule]) == []
    [firing] = evaluate(facts(**changes), [rule])
    assert (firing.code, firing.rule, firing.evidence) == (when, f"my-{when}", evidence)


def test_total_exactly_at_the_limit_does_not_fire():
    assert evaluate(facts(total_gross=Decimal("1500.00")), [Rule("big", "total_above", {"limit": "1500.00"})]) == []


def test_rule_limited_to_other_channels_does_not_fire():
    rule = Rule("note", "buyer_note", channels=("amazon-de",))
    assert evaluate(facts(buyer_note="hi"), [rule]) == []


def test_overridden_rule_does_not_fire_again_but_others_do():
    rules = [Rule("note", "buyer_note"), Rule("gift", "gift_message")]
    firings = evaluate(facts(buyer_note="hi", gift_message="x"), rules, overridden=["note"])
    assert [f.rule for f in firings] == ["gift"]


@pytest.mark.parametrize(
    ("address", "params", "missing"),
    [
        ({"street": "Packstation 105", "address2": ""}, {}, ["postnummer"]),
        ({"street": "Packstation 105", "address2": "123456789"}, {}, []),
        ({"street": "Postfach 1234"}, {"refuse_po_box": True}, ["street_address_instead_of_po_box"]),
        ({"street": "Postfach 1234"}, {}, []),
    ],
)
def test_suspicious_addresses(address, params, missing):
    rule = Rule("address", "address_incomplete", params)
    firings = evaluate(facts(shipping_address={**CLEAN.shipping_address, **address}), [rule])
    assert [f.evidence["missing"] for f in firings] == ([missing] if missing else [])


def test_duplicate_looking_order():
    rule = Rule("dup", "duplicate", {"minutes": 10})
    assert evaluate(CLEAN, [rule]) == []
    [firing] = evaluate(facts(similar_recent_orders=("SHOP-1",)), [rule])
    assert firing.evidence == {"similar_orders": ["SHOP-1"]}

import pytest

from orderpilot.channels.base import Buyer, PostalAddress
from orderpilot.customers.matching import address_key, email_key, text_key
from orderpilot.customers.models import Customer
from orderpilot.customers.services import match_or_create_customer

HOME = PostalAddress(name="Jürgen Weiß", street="Hauptstraße 5", postal_code="94032", city="Passau", country="DE")


@pytest.mark.parametrize(
    ("raw", "key"),
    [("  Erika.Muster@Example.COM ", "erika.muster@example.com"), ("", ""), ("not-an-email", "")],
)
def test_email_key(raw, key):
    assert email_key(raw) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [("Hauptstraße 5", "Hauptstr. 5"), ("Hauptstrasse 5", "hauptstr 5"), ("Jürgen Weiß", "JUERGEN  WEISS"),
     ("Müller-Lüdenscheidt", "Mueller Luedenscheidt"), ("Gärtnerplatz 1", "Gaertnerplatz 1")],
)
def test_text_key_folds_spelling_variants(a, b):
    assert text_key(a) == text_key(b)


def test_address_key_needs_name_street_and_postal_code():
    assert address_key(name="", street="Hauptstr. 5", postal_code="94032", city="Passau", country="DE") == ""
    assert address_key(name="A", street="Hauptstr. 5", postal_code="94032", city="Passau", country="de").endswith("|DE")


@pytest.mark.django_db
def test_repeat_buyer_found_by_email_despite_case_and_spaces():
    # given
    first = match_or_create_customer(buyer=Buyer(email="Erika@Example.com", name="Erika"), address=HOME)
    # when
    again = match_or_create_customer(buyer=Buyer(email="  erika@example.COM ", name="Erika M."), address=HOME)
    # then
    assert (first.how, again.how) == ("new", "email")
    assert again.customer.pk == first.customer.pk
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_repeat_buyer_without_email_found_by_normalised_name_and_address():
    first = match_or_create_customer(buyer=Buyer(name="Jürgen Weiß"), address=HOME)
    variant = PostalAddress(
        name="JUERGEN WEISS", street="Hauptstr. 5", postal_code="94032", city="passau", country="DE"
    )
    again = match_or_create_customer(buyer=Buyer(name="JUERGEN WEISS"), address=variant)
    assert again.how == "address"
    assert again.customer.pk == first.customer.pk


@pytest.mark.django_db
def test_same_name_elsewhere_is_a_different_person():
    first = match_or_create_customer(buyer=Buyer(name="Jürgen Weiß"), address=HOME)
    elsewhere = PostalAddress(name="Jürgen Weiß", street="Domplatz 1", postal_code="94032", city="Passau", country="DE")
    other = match_or_create_customer(buyer=Buyer(name="Jürgen Weiß"), address=elsewhere)
    assert other.how == "new"
    assert other.customer.pk != first.customer.pk


@pytest.mark.django_db
def test_same_address_but_other_email_is_a_different_person():
    first = match_or_create_customer(buyer=Buyer(email="a@example.com", name="Jürgen Weiß"), address=HOME)
    other = match_or_create_customer(buyer=Buyer(email="b@example.com", name="Jürgen Weiß"), address=HOME)
    assert other.customer.pk != first.customer.pk


@pytest.mark.django_db
def test_amazon_business_resale_buyers_are_never_merged():
    iba = Buyer(email="no-reply-amazon-iba-buyer@amazon.de", name="Amazon Business EU SARL", never_merge=True)
    first = match_or_create_customer(buyer=iba, address=HOME)
    second = match_or_create_customer(buyer=iba, address=HOME)
    assert (first.how, second.how) == ("new", "new")
    assert first.customer.pk != second.customer.pk


@pytest.fixture
def shop_channels(db):
    from orderpilot.channels.models import Channel

    return (
        Channel.objects.create(code="shop", kind="gambio", name="Shop"),
        Channel.objects.create(code="ebay-de", kind="ebay", name="eBay"),
    )


MOVED = PostalAddress(name="Jürgen Weiß", street="Domplatz 1", postal_code="94032", city="Passau", country="DE")


def test_repeat_buyer_found_by_the_shops_customer_number_after_moving_and_a_new_email(shop_channels):
    # given
    shop, _ = shop_channels
    first = match_or_create_customer(buyer=Buyer(email="j@old.example", external_id="K10042"), address=HOME,
                                     channel=shop)  # fmt: skip
    # when the buyer moved and uses another email
    again = match_or_create_customer(buyer=Buyer(email="j@new.example", external_id=" K10042 "), address=MOVED,
                                     channel=shop)  # fmt: skip
    # then
    assert (first.how, again.how) == ("new", "number")
    assert again.customer == first.customer
    assert [(n.channel.code, n.number) for n in first.customer.channel_numbers.all()] == [("shop", "K10042")]
    assert first.customer.addresses.count() == 2


def test_the_same_number_at_another_channel_is_another_customer(shop_channels):
    # given
    shop, ebay = shop_channels
    first = match_or_create_customer(buyer=Buyer(email="a@example.com", external_id="1207"), address=HOME,
                                     channel=shop)  # fmt: skip
    # when
    other = match_or_create_customer(
        buyer=Buyer(email="b@example.com", external_id="1207"),
        address=PostalAddress(name="Anna Berg", street="Ring 2", postal_code="10115", city="Berlin", country="DE"),
        channel=ebay,
    )
    # then
    assert other.how == "new"
    assert other.customer != first.customer
    assert [n.number for n in other.customer.channel_numbers.all()] == ["1207"]


def test_a_buyer_found_by_email_gets_the_channels_number_kept(shop_channels):
    # given a customer known from Amazon (no number) buys in the shop
    shop, _ = shop_channels
    known = match_or_create_customer(buyer=Buyer(email="erika@example.com"), address=HOME)
    # when
    found = match_or_create_customer(buyer=Buyer(email="Erika@example.com", external_id="K7"), address=HOME,
                                     channel=shop)  # fmt: skip
    # then
    assert (found.how, found.customer) == ("email", known.customer)
    assert list(known.customer.channel_numbers.values_list("number", flat=True)) == ["K7"]


def test_resale_buyers_are_not_merged_by_a_number_either(shop_channels):
    shop, _ = shop_channels
    one = match_or_create_customer(buyer=Buyer(external_id="K1", never_merge=True), address=HOME, channel=shop)
    two = match_or_create_customer(buyer=Buyer(external_id="K1", never_merge=True), address=HOME, channel=shop)
    assert one.customer != two.customer
    assert not one.customer.channel_numbers.exists()


def test_an_overlong_number_is_ignored_not_stored(shop_channels):
    shop, _ = shop_channels
    match = match_or_create_customer(buyer=Buyer(email="x@example.com", external_id="9" * 101), address=HOME,
                                     channel=shop)  # fmt: skip
    assert not match.customer.channel_numbers.exists()


def test_anonymising_the_customer_forgets_the_number(shop_channels):
    from orderpilot.customers.privacy import anonymise_customer

    shop, _ = shop_channels
    match = match_or_create_customer(buyer=Buyer(email="x@example.com", external_id="K9"), address=HOME, channel=shop)
    assert anonymise_customer(match.customer)
    assert not match.customer.channel_numbers.exists()
    again = match_or_create_customer(buyer=Buyer(email="y@example.com", external_id="K9"), address=MOVED, channel=shop)
    assert again.how == "new"

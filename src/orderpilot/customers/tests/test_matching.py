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

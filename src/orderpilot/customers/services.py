"""Find the customer of an incoming order, or create one."""

from __future__ import annotations

from dataclasses import dataclass

from orderpilot.channels.base import Buyer, PostalAddress

from .matching import address_key, email_key
from .models import Address, ChannelCustomerNumber, Customer

#: the longest customer number kept; a longer one is not a number but garbage, and is ignored
MAX_CUSTOMER_NUMBER = 100


@dataclass(frozen=True)
class Match:
    customer: Customer
    how: str  # "number", "email", "address" or "new"


def match_or_create_customer(
    *, buyer: Buyer, address: PostalAddress, language: str = "de", channel=None
) -> Match:
    """Match on the channel's customer number first, then the normalised email, then normalised
    name + address; else create. The channel's number is kept on the customer.

    Two people are never merged on the name alone, and buyers marked ``never_merge`` (Amazon
    Business resale) always get a customer of their own.
    """
    number = buyer.external_id.strip() if channel is not None else ""
    if len(number) > MAX_CUSTOMER_NUMBER:
        number = ""
    key = email_key(buyer.email)
    match_key = address_key(
        name=address.name or buyer.name,
        street=address.street,
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
    )
    customer, how = None, "new"
    if not buyer.never_merge:
        if number:
            known = ChannelCustomerNumber.objects.filter(channel=channel, number=number).select_related("customer")
            customer = next((found.customer for found in known), None)
            how = "number" if customer else how
        if customer is None and key:
            customer = Customer.objects.filter(email_key=key).order_by("pk").first()
            how = "email" if customer else how
        if customer is None and match_key:
            found = Address.objects.filter(match_key=match_key).select_related("customer").order_by("pk").first()
            if found and (not key or not found.customer.email_key or found.customer.email_key == key):
                customer, how = found.customer, "address"
    if customer is None:
        customer = Customer.objects.create(
            email=buyer.email.strip(),
            email_key=key,
            name=buyer.name or address.name,
            company=buyer.company or address.company,
            vat_id=buyer.vat_id,
            phone=buyer.phone or address.phone,
            language=language,
            is_business=bool(buyer.vat_id or buyer.company),
        )
    if number and not buyer.never_merge:
        ChannelCustomerNumber.objects.get_or_create(channel=channel, number=number, defaults={"customer": customer})
    if match_key:
        Address.objects.get_or_create(
            customer=customer,
            match_key=match_key,
            defaults={
                "name": address.name,
                "company": address.company,
                "street": address.street,
                "address2": address.address2,
                "postal_code": address.postal_code,
                "city": address.city,
                "country": address.country,
            },
        )
    return Match(customer=customer, how=how)

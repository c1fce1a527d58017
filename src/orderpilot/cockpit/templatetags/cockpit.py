"""Template helpers of the cockpit: roles, tracking links, the invoice PDF address."""

from __future__ import annotations

from urllib.parse import quote

from django import template

from orderpilot.notifications.tracking import tracking_url as carrier_tracking_url

from ..roles import has_role as user_has_role

register = template.Library()


@register.filter
def has_role(user, role: str) -> bool:
    return user_has_role(user, role)


@register.simple_tag
def tracking_url(carrier: str, tracking_number: str) -> str:
    """The carrier's tracking page for a parcel, "" for a carrier without a known page."""
    return carrier_tracking_url(carrier, tracking_number)


@register.filter
def invoice_pdf_url(number: str) -> str:
    """The invoice PDF as the REST API serves it (CONTRACT.md §3)."""
    return f"/api/invoices/{quote(number, safe='')}/pdf"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (an empty value removes a key), for links."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in ("", None):
            params[key] = value
    for key in ("after", "before", "partial"):
        if key not in changes:
            params.pop(key, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"

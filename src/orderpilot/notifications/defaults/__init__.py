"""Built-in email texts (Jinja2), German and English, used unless the merchant saved their own."""

from __future__ import annotations

DEFAULT_TEMPLATES: dict[tuple[str, str], dict[str, str]] = {
    ("order_received", "de"): {
        "subject": "Ihre Bestellung {{ order.external_id }} ist eingegangen",
        "text": (
            "Hallo {{ customer.name }},\n\n"
            "vielen Dank für Ihre Bestellung {{ order.external_id }} vom {{ order.ordered_at }}.\n\n"
            "{% for line in lines %}{{ line.quantity }} × {{ line.title or line.sku }} – {{ line.total }} "
            "{{ order.currency }}\n{% endfor %}\n"
            "Summe: {{ order.total }} {{ order.currency }}\n\n"
            "Wir melden uns, sobald Ihr Paket unterwegs ist.\n\n{{ company.name }}\n"
        ),
    },
    ("order_received", "en"): {
        "subject": "We have received your order {{ order.external_id }}",
        "text": (
            "Hello {{ customer.name }},\n\n"
            "thank you for your order {{ order.external_id }} of {{ order.ordered_at }}.\n\n"
            "{% for line in lines %}{{ line.quantity }} × {{ line.title or line.sku }} – {{ line.total }} "
            "{{ order.currency }}\n{% endfor %}\n"
            "Total: {{ order.total }} {{ order.currency }}\n\n"
            "We will let you know as soon as your parcel is on its way.\n\n{{ company.name }}\n"
        ),
    },
    ("shipped", "de"): {
        "subject": "Ihre Bestellung {{ order.external_id }} ist unterwegs",
        "text": (
            "Hallo {{ customer.name }},\n\n"
            "Ihre Bestellung {{ order.external_id }} wurde versendet.\n\n"
            "{% for package in packages %}{{ package.carrier }} Sendungsnummer {{ package.tracking_number }}"
            "{% if package.tracking_url %}\nSendungsverfolgung: {{ package.tracking_url }}{% endif %}\n{% endfor %}\n"
            "{{ company.name }}\n"
        ),
    },
    ("shipped", "en"): {
        "subject": "Your order {{ order.external_id }} is on its way",
        "text": (
            "Hello {{ customer.name }},\n\n"
            "your order {{ order.external_id }} has been shipped.\n\n"
            "{% for package in packages %}{{ package.carrier }} tracking number {{ package.tracking_number }}"
            "{% if package.tracking_url %}\nTrack it: {{ package.tracking_url }}{% endif %}\n{% endfor %}\n"
            "{{ company.name }}\n"
        ),
    },
    ("review_request", "de"): {
        "subject": "Wie gefällt Ihnen Ihre Bestellung {{ order.external_id }}?",
        "text": (
            "Hallo {{ customer.name }},\n\n"
            "wir hoffen, Ihre Bestellung {{ order.external_id }} ist gut angekommen. Über eine Bewertung "
            "freuen wir uns sehr:\n{{ review_url }}\n\n{{ company.name }}\n"
        ),
    },
    ("review_request", "en"): {
        "subject": "How do you like your order {{ order.external_id }}?",
        "text": (
            "Hello {{ customer.name }},\n\n"
            "we hope your order {{ order.external_id }} arrived safely. We would be glad about a review:\n"
            "{{ review_url }}\n\n{{ company.name }}\n"
        ),
    },
}

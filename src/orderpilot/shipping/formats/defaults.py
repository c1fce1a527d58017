"""The built-in templates, used when a shipper has none of its own (keyed by format and purpose)."""

from __future__ import annotations

CSV_DELIVERY_NOTE = """\
{{ ["delivery_note", "order", "service", "cash_on_delivery", "name", "company", "street", "address2",
    "postal_code", "city", "country", "sku", "title", "quantity", "weight_g"]|csv_row }}
{% for line in lines %}
{{ [delivery_note, order, service, "1" if cash_on_delivery else "0", shipping_address.name|default(""),
    shipping_address.company|default(""), shipping_address.street|default(""),
    shipping_address.address2|default(""), shipping_address.postal_code|default(""),
    shipping_address.city|default(""), shipping_address.country|default(""), line.sku, line.title,
    line.quantity, line.weight_g]|csv_row }}
{% endfor %}
"""

CSV_CANCELLATION = """\
{{ ["action", "delivery_note", "order"]|csv_row }}
{{ ["CANCEL", delivery_note, order]|csv_row }}
"""

XML_DELIVERY_NOTE = """\
<?xml version="1.0" encoding="UTF-8"?>
<deliveryNote number="{{ delivery_note }}">
  <order channel="{{ channel }}">{{ order }}</order>
  <service>{{ service }}</service>
  <carrier>{{ carrier }}</carrier>
  <createdAt>{{ created_at }}</createdAt>
{% if cash_on_delivery %}
  <cashOnDelivery currency="{{ currency }}">{{ cod_amount }}</cashOnDelivery>
{% endif %}
  <weightGrams>{{ weight_g }}</weightGrams>
  <shippingAddress>
{% for key in ["name", "company", "street", "address2", "postal_code", "city", "state", "country", "phone"] %}
{% if shipping_address[key] is defined and shipping_address[key] %}
    <{{ key }}>{{ shipping_address[key] }}</{{ key }}>
{% endif %}
{% endfor %}
  </shippingAddress>
  <lines>
{% for line in lines %}
    <line position="{{ loop.index }}">
      <sku>{{ line.sku }}</sku>
      <title>{{ line.title }}</title>
      <quantity>{{ line.quantity }}</quantity>
      <weightGrams>{{ line.weight_g }}</weightGrams>
    </line>
{% endfor %}
  </lines>
</deliveryNote>
"""

XML_CANCELLATION = """\
<?xml version="1.0" encoding="UTF-8"?>
<cancellation deliveryNote="{{ delivery_note }}">
  <order channel="{{ channel }}">{{ order }}</order>
  <reason>{{ reason }}</reason>
</cancellation>
"""

JSON_ANY = "{{ data|json }}\n"

TEXT_DELIVERY_NOTE = """\
Delivery note {{ delivery_note }}
Order {{ order }} ({{ channel }}), service {{ service }}
{%- if cash_on_delivery %}, cash on delivery {{ cod_amount }} {{ currency }}{% endif %}


Ship to:
{% for key in ["name", "company", "street", "address2"] %}
{% if shipping_address[key] is defined and shipping_address[key] %}
  {{ shipping_address[key] }}
{% endif %}
{% endfor %}
  {{ shipping_address.postal_code|default("") }} {{ shipping_address.city|default("") }}
  {{ shipping_address.country|default("") }}

{% for line in lines %}
{{ "%4d" % line.quantity }} x {{ line.sku }}  {{ line.title }}  ({{ line.weight_g }} g each)
{% endfor %}

Total weight: {{ weight_g }} g
"""

TEXT_CANCELLATION = """\
CANCELLATION of delivery note {{ delivery_note }}
Order {{ order }} ({{ channel }}): please do not ship. Reason: {{ reason }}
"""

PDF_NOTE = ""  # the PDF layout is fixed; a shipper's template adds a text under the lines

DEFAULT_TEMPLATES: dict[tuple[str, str], str] = {
    ("csv", "delivery_note"): CSV_DELIVERY_NOTE,
    ("csv", "cancellation"): CSV_CANCELLATION,
    ("xml", "delivery_note"): XML_DELIVERY_NOTE,
    ("xml", "cancellation"): XML_CANCELLATION,
    ("json", "delivery_note"): JSON_ANY,
    ("json", "cancellation"): JSON_ANY,
    ("text", "delivery_note"): TEXT_DELIVERY_NOTE,
    ("text", "cancellation"): TEXT_CANCELLATION,
    ("pdf", "delivery_note"): PDF_NOTE,
    ("pdf", "cancellation"): PDF_NOTE,
    ("pdf", "packing_slip"): PDF_NOTE,
}

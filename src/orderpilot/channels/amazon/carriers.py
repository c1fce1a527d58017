"""Amazon's carrier codes (MWS ``amzn-base.xsd`` CarrierCode list, research/compliance.md §6.1).

A carrier not on the list is confirmed as ``Other`` with its name, as Amazon requires.
"""

from __future__ import annotations

AMAZON_CARRIER_CODES = frozenset(
    {
        "USPS", "UPS", "UPSMI", "FedEx", "DHL", "Fastway", "GLS", "GO!", "Hermes Logistik Gruppe", "Royal Mail",
        "Parcelforce", "City Link", "TNT", "Target", "SagawaExpress", "NipponExpress", "YamatoTransport",
        "DHL Global Mail", "UPS Mail Innovations", "FedEx SmartPost", "OSM", "OnTrac", "Streamlite", "Newgistics",
        "Canada Post", "Blue Package", "Chronopost", "Deutsche Post", "DPD", "La Poste", "Parcelnet",
        "Poste Italiane", "SDA", "Smartmail", "FEDEX_JP", "JP_EXPRESS", "NITTSU", "SAGAWA", "YAMATO", "BlueDart",
        "AFL/Fedex", "Aramex", "India Post", "Professional", "DTDC", "Overnite Express", "First Flight",
        "Delhivery", "Lasership", "Yodel", "Other",
    }
)

#: how merchants and shippers commonly write a carrier → Amazon's code
ALIASES = {
    "dhl": "DHL",
    "dhl paket": "DHL",
    "deutsche post": "Deutsche Post",
    "warenpost": "Deutsche Post",
    "dpd": "DPD",
    "gls": "GLS",
    "hermes": "Hermes Logistik Gruppe",
    "ups": "UPS",
    "fedex": "FedEx",
    "tnt": "TNT",
    "royal mail": "Royal Mail",
    "chronopost": "Chronopost",
    "la poste": "La Poste",
}


def amazon_carrier(carrier: str) -> tuple[str, str | None]:
    """``(carrierCode, carrierName)`` for a carrier as we know it; name only with ``Other``."""
    name = (carrier or "").strip()
    if name in AMAZON_CARRIER_CODES and name != "Other":
        return name, None
    code = ALIASES.get(name.lower())
    if code:
        return code, None
    return "Other", name or "Unknown"

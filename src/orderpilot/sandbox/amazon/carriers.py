"""Amazon's ``carrierCode`` values for shipment confirmations.

Source: ``research/compliance.md`` §6.1 — the ``CarrierCode`` enumeration of Amazon's ``amzn-base.xsd``
(the only machine-readable list; Seller Central's dropdown must be matched exactly, "Missing or incorrect
values will lead to errors"), plus ``Hermes``, which Seller Central DE is believed to show (unverified).
Anything else must be sent as ``Other`` with ``carrierName``.
"""

from __future__ import annotations

OTHER = "Other"

CARRIER_CODES: frozenset[str] = frozenset(
    {
        "USPS",
        "UPS",
        "UPSMI",
        "FedEx",
        "DHL",
        "Fastway",
        "GLS",
        "GO!",
        "Hermes Logistik Gruppe",
        "Hermes",
        "Royal Mail",
        "Parcelforce",
        "City Link",
        "TNT",
        "Target",
        "SagawaExpress",
        "NipponExpress",
        "YamatoTransport",
        "DHL Global Mail",
        "UPS Mail Innovations",
        "FedEx SmartPost",
        "OSM",
        "OnTrac",
        "Streamlite",
        "Newgistics",
        "Canada Post",
        "Blue Package",
        "Chronopost",
        "Deutsche Post",
        "DPD",
        "La Poste",
        "Parcelnet",
        "Poste Italiane",
        "SDA",
        "Smartmail",
        "FEDEX_JP",
        "JP_EXPRESS",
        "NITTSU",
        "SAGAWA",
        "YAMATO",
        "BlueDart",
        "AFL/Fedex",
        "Aramex",
        "India Post",
        "Professional",
        "DTDC",
        "Overnite Express",
        "First Flight",
        "Delhivery",
        "Lasership",
        "Yodel",
        OTHER,
    }
)


def is_known_carrier(code: str) -> bool:
    """Exact match, as Amazon compares: ``"dhl"`` or ``"DHL "`` is not ``"DHL"``."""
    return code in CARRIER_CODES

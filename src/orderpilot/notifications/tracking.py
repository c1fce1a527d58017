"""Tracking links per carrier (research/compliance.md §6.2); spaces are encoded as %20, never +."""

from __future__ import annotations

from urllib.parse import quote

TRACKING_URLS: dict[str, str] = {
    "dhl": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    "deutsche post": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    "dpd": "https://tracking.dpd.de/status/de_DE/parcel/{n}",
    "gls": "https://gls-group.eu/DE/de/paketverfolgung?match={n}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{n}",
    "hermes logistik gruppe": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{n}",
    "ups": "https://www.ups.com/track?loc=de_DE&tracknum={n}",
}


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The carrier's tracking page for ``tracking_number``, or "" for an unknown carrier."""
    pattern = TRACKING_URLS.get((carrier or "").strip().lower())
    return pattern.format(n=quote(tracking_number.strip(), safe="")) if pattern else ""

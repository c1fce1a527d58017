"""Normalisation for customer matching: pure functions, no database."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STREET = re.compile(r"\b(str|strasse)\b\.?")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def email_key(email: str) -> str:
    """Trimmed and lower-cased; empty for an empty or malformed address."""
    email = (email or "").strip().lower()
    return email if "@" in email else ""


def text_key(text: str) -> str:
    """Case, accents, umlauts, ß, ``Str.``/``Straße``, punctuation and spacing folded away."""
    text = (text or "").casefold().translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("strasse", "str").replace("straße", "str")
    text = _STREET.sub("str", text)
    return _NON_WORD.sub("", text)


#: the length of ``Address.match_key``
MAX_KEY = 500


def address_key(*, name: str, street: str, postal_code: str, city: str, country: str) -> str:
    """The normalised name + address a repeat buyer without email is found by.

    Folding can lengthen a text (``ä`` → ``ae``); a key longer than the column is replaced by its
    SHA-256, which still finds the same address again.
    """
    parts = [text_key(name), text_key(street), text_key(postal_code), text_key(city), (country or "").upper()]
    if not all(parts[:3]):
        return ""
    key = "|".join(parts)
    return key if len(key) <= MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()

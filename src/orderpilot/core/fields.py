"""Model fields shared by the apps."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import models

from .crypto import decrypt, encrypt


class MoneyField(models.DecimalField):
    """An amount in the currency stored beside it: 2 decimal places, up to 10^12."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("default", Decimal("0.00"))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


class EncryptedJSONField(models.TextField):
    """A JSON value stored encrypted (Fernet) at rest; secrets never sit in the database in clear."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None
        return json.loads(decrypt(value))

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        try:
            return json.loads(decrypt(value))
        except ValueError:
            return json.loads(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, sort_keys=True))

"""Encryption of secrets at rest (Fernet, key derived from the installation's secret key).

``ORDERPILOT_ENCRYPTION_KEY`` may hold a separate key; otherwise one is derived from
``SECRET_KEY`` with HKDF, so rotating the secret key means re-applying the configuration.
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@functools.cache
def _fernet(secret: str) -> Fernet:
    explicit = os.environ.get("ORDERPILOT_ENCRYPTION_KEY")
    if explicit:
        return Fernet(explicit.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"orderpilot", info=b"secrets-at-rest").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plain: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt a stored secret: was the secret key changed?") from exc

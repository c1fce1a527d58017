"""Verifying eBay's digital signatures (RFC 9421, Ed25519) on Finances API calls for EU/UK sellers.

The simulator checks what eBay checks: the ``x-ebay-signature-key`` JWE names a registered key, the
``Signature-Input`` covers ``x-ebay-signature-key``, ``@method``, ``@path``, ``@authority`` (and
``content-digest`` with a body, which must match), and ``Signature`` is the key's Ed25519 signature over
the signature base (developer.ebay.com "Digital Signatures for APIs"). Real eBay decrypts the JWE to get
the public key; the simulator is given JWE → public key instead. Refusals as eBay answers them
(eBay/digital-signature-verification-ebay-api#27, matecsaj/ebay_rest#73): 400 ``215001`` "Missing
x-ebay-signature-key header", 403 ``215122`` "Signature validation failed".
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from werkzeug.wrappers import Request

from .errors import EbayError

_INPUT = re.compile(r'^sig1=\((?P<components>[^)]*)\);created=(?P<created>\d+)')
_SIGNATURE = re.compile(r"^sig1=:(?P<value>[A-Za-z0-9+/=]+):$")
REQUIRED = frozenset({"x-ebay-signature-key", "@method", "@path", "@authority"})


def load_public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("signing keys must be Ed25519 public keys (PEM)")
    return key


def _failed(detail: str) -> EbayError:
    return EbayError(403, 215122, "Signature validation failed", domain="ACCESS",
                     long_message=f"Signature validation failed to fulfill the request. ({detail})")  # fmt: skip


def verify(request: Request, keys: dict[str, Ed25519PublicKey]) -> None:
    """Raise :class:`EbayError` unless ``request`` carries a valid signature of a registered key."""
    jwe = request.headers.get("x-ebay-signature-key", "")
    if not jwe:
        raise EbayError(400, 215001, "Missing x-ebay-signature-key header", domain="ACCESS",
                        long_message="Missing x-ebay-signature-key header to fulfill the request.")  # fmt: skip
    key = keys.get(jwe)
    if key is None:
        raise _failed("unknown signing key")
    signature_input = _INPUT.match(request.headers.get("Signature-Input", ""))
    signature = _SIGNATURE.match(request.headers.get("Signature", ""))
    if signature_input is None or signature is None:
        raise _failed("Signature-Input or Signature malformed")
    components = [c.strip('"') for c in signature_input["components"].split()]
    body = request.get_data(cache=True)
    if body:
        expected = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
        if "content-digest" not in components or request.headers.get("Content-Digest") != expected:
            raise _failed("Content-Digest missing or wrong")
    if not REQUIRED <= set(components):
        raise _failed("signature does not cover the required components")
    values = {"@method": request.method, "@path": request.path, "@authority": request.host}
    lines = []
    for component in components:
        value = values.get(component) if component.startswith("@") else request.headers.get(component)
        if value is None:
            raise _failed(f"component {component} missing")
        lines.append(f'"{component}": {value}')
    lines.append(f'"@signature-params": ({signature_input["components"]});created={signature_input["created"]}')
    try:
        key.verify(base64.b64decode(signature["value"]), "\n".join(lines).encode())
    except InvalidSignature:
        raise _failed("signature does not match") from None

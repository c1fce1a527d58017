"""eBay's digital signatures for API calls made for sellers domiciled in the EU or the UK (all Finances API
methods need them): RFC 9421 HTTP message signatures with an Ed25519 key from eBay's Key Management API.

Headers (developer.ebay.com "Digital Signatures for APIs"; eBay/digital-signature-java-sdk
``SignatureService``): ``x-ebay-signature-key`` (the JWE the Key Management API returned),
``Content-Digest`` (``sha-256=:…:`` of the body, only when there is one), ``Signature-Input``
(``sig1=("x-ebay-signature-key" "@method" "@path" "@authority");created=<unix time>``, with
``"content-digest"`` first when a body is sent) and ``Signature`` (``sig1=:<base64 Ed25519 signature>:``
over the signature base below). Pure: no I/O.

Signature base, one line per component, then the parameters::

    "x-ebay-signature-key": <jwe>
    "@method": GET
    "@path": /sell/finances/v1/payout
    "@authority": apiz.ebay.com
    "@signature-params": ("x-ebay-signature-key" "@method" "@path" "@authority");created=1658440308
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orderpilot.core.exceptions import ConfigurationError

COMPONENTS = ("x-ebay-signature-key", "@method", "@path", "@authority")


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The Key Management API's ``privateKey``: base64 of a PKCS#8 key, with or without the PEM lines."""
    body = "".join(line for line in text.strip().splitlines() if not line.startswith("-----"))
    try:
        key = serialization.load_der_private_key(base64.b64decode(body), password=None)
    except ValueError as exc:
        raise ConfigurationError(f"the eBay signing private key is not a PKCS#8 key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError("the eBay signing private key must be an Ed25519 key (cipher ED25519)")
    return key


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def signature_params(components: tuple[str, ...], created: int) -> str:
    return "(" + " ".join(f'"{c}"' for c in components) + f");created={created}"


def signature_base(*, method: str, url: str, headers: dict[str, str], components: tuple[str, ...],
                   created: int) -> str:  # fmt: skip
    parts = urlsplit(url)
    values = {"@method": method.upper(), "@path": parts.path, "@authority": parts.netloc}
    lines = [f'"{c}": {values[c] if c.startswith("@") else headers[c]}' for c in components]
    lines.append(f'"@signature-params": {signature_params(components, created)}')
    return "\n".join(lines)


def signed_headers(*, method: str, url: str, body: bytes | None, jwe: str, key: Ed25519PrivateKey,
                   created: int) -> dict[str, str]:  # fmt: skip
    """The four headers that sign one request."""
    headers = {"x-ebay-signature-key": jwe}
    components = COMPONENTS
    if body:
        headers["content-digest"] = content_digest(body)
        components = ("content-digest", *COMPONENTS)
    base = signature_base(method=method, url=url, headers=headers, components=components, created=created)
    signature = base64.b64encode(key.sign(base.encode())).decode()
    return {
        **headers,
        "Signature-Input": f"sig1={signature_params(components, created)}",
        "Signature": f"sig1=:{signature}:",
    }

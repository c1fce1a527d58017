"""Login-with-Amazon credentials, the access tokens and Restricted Data Tokens the simulator issues.

Defaults (override through ``create_app`` keyword arguments or these environment variables):

=================  ========================================  =====================================
credential         default                                   environment variable
=================  ========================================  =====================================
client id          ``amzn1.application-oa2-client.sim``      ``ORDERPILOT_SIM_AMAZON_CLIENT_ID``
client secret      ``sim-secret``                            ``ORDERPILOT_SIM_AMAZON_CLIENT_SECRET``
refresh token      ``Atzr|sim-refresh``                      ``ORDERPILOT_SIM_AMAZON_REFRESH_TOKEN``
=================  ========================================  =====================================
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_CLIENT_ID = "amzn1.application-oa2-client.sim"
DEFAULT_CLIENT_SECRET = "sim-secret"
DEFAULT_REFRESH_TOKEN = "Atzr|sim-refresh"
TOKEN_LIFETIME = dt.timedelta(seconds=3600)

# The restricted operations the simulator serves, and the dataElements each accepts
# (research/sp-api.md §3). ``None``: the path takes no dataElements (address, buyerInfo paths).
_RESTRICTED_PATHS: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...] = (
    (re.compile(r"^/orders/v0/orders$"), frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"})),
    (
        re.compile(r"^/orders/v0/orders/[^/]+$"),
        frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"}),
    ),
    (re.compile(r"^/orders/v0/orders/[^/]+/orderItems$"), frozenset({"buyerInfo"})),
    (re.compile(r"^/orders/v0/orders/[^/]+/(address|buyerInfo|orderItems/buyerInfo)$"), None),
)


@dataclass(frozen=True)
class Credentials:
    """The one selling-partner application (and seller authorisation) the simulator accepts."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    refresh_token: str = DEFAULT_REFRESH_TOKEN

    @classmethod
    def resolve(
        cls,
        *,
        client_id: str | None,
        client_secret: str | None,
        refresh_token: str | None,
        environ: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Explicit arguments win, then the ``ORDERPILOT_SIM_AMAZON_*`` variables, then the defaults."""
        env = os.environ if environ is None else environ
        return cls(
            client_id=client_id or env.get("ORDERPILOT_SIM_AMAZON_CLIENT_ID") or DEFAULT_CLIENT_ID,
            client_secret=client_secret
            or env.get("ORDERPILOT_SIM_AMAZON_CLIENT_SECRET")
            or DEFAULT_CLIENT_SECRET,
            refresh_token=refresh_token
            or env.get("ORDERPILOT_SIM_AMAZON_REFRESH_TOKEN")
            or DEFAULT_REFRESH_TOKEN,
        )

    @property
    def app_key(self) -> str:
        """Rate limits apply per selling partner and application: this pair names them."""
        return f"{self.client_id}|{self.refresh_token}"


@dataclass(frozen=True)
class RestrictedResource:
    method: str
    path: str
    data_elements: frozenset[str]


@dataclass(frozen=True)
class AccessToken:
    value: str
    app_key: str
    expires_at: dt.datetime
    # ``None`` for an LWA access token; the covered resources for a Restricted Data Token.
    restricted: tuple[RestrictedResource, ...] | None = None

    def covering(self, method: str, path: str) -> RestrictedResource | None:
        """The RDT resource that matches this call exactly (method and path), if any."""
        for resource in self.restricted or ():
            if resource.method == method and resource.path.rstrip("/") == path.rstrip("/"):
                return resource
        return None


class TokenStore:
    """Issued tokens by value; thread-safe."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    def issue_access_token(self, app_key: str, now: dt.datetime) -> AccessToken:
        token = AccessToken("Atza|" + secrets.token_urlsafe(48), app_key, now + TOKEN_LIFETIME)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def issue_rdt(
        self, parent: AccessToken, resources: tuple[RestrictedResource, ...], now: dt.datetime
    ) -> AccessToken:
        token = AccessToken(
            "Atz.sprdt|" + secrets.token_urlsafe(48), parent.app_key, now + TOKEN_LIFETIME, resources
        )
        with self._lock:
            self._tokens[token.value] = token
        return token

    def find(self, value: str) -> AccessToken | None:
        with self._lock:
            return self._tokens.get(value)

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()


def allowed_data_elements(path: str) -> frozenset[str] | None:
    """The dataElements a restricted path accepts (``None``: none needed); raises ``KeyError`` if the
    path is not a restricted operation the simulator serves."""
    for pattern, elements in _RESTRICTED_PATHS:
        if pattern.match(path):
            return elements
    raise KeyError(path)

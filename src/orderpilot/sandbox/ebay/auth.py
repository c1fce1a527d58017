"""eBay OAuth as a seller application sees it: the refresh-token grant and the user access tokens it issues.

``POST /identity/v1/oauth2/token`` takes ``grant_type=refresh_token``, ``refresh_token`` and an optional
``scope`` (space-separated) as a form, with ``Authorization: Basic base64(client_id:client_secret)``,
and answers ``{"access_token", "expires_in": 7200, "token_type": "User Access Token"}``
(developer.ebay.com "Using a refresh token to update a user access token"). Refusals:
wrong client → 401 ``invalid_client`` "client authentication failed"; wrong refresh token → 400
``invalid_grant``; a scope beyond the consented ones → 400 ``invalid_scope``; another grant → 400
``unsupported_grant_type``.

Defaults (override through ``create_app`` keyword arguments or these environment variables):

=================  ==========================================  ======================================
credential         default                                     environment variable
=================  ==========================================  ======================================
client id          ``OrderPil-sim-PRD-0a1b2c3d4-e5f6a7b8``     ``ORDERPILOT_SIM_EBAY_CLIENT_ID``
client secret      ``PRD-sim-client-secret``                   ``ORDERPILOT_SIM_EBAY_CLIENT_SECRET``
refresh token      ``v^1.1#i^1#r^1#sim-refresh-token``         ``ORDERPILOT_SIM_EBAY_REFRESH_TOKEN``
=================  ==========================================  ======================================
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import OAuthError

DEFAULT_CLIENT_ID = "OrderPil-sim-PRD-0a1b2c3d4-e5f6a7b8"
DEFAULT_CLIENT_SECRET = "PRD-sim-client-secret"
DEFAULT_REFRESH_TOKEN = "v^1.1#i^1#r^1#sim-refresh-token"
TOKEN_LIFETIME = dt.timedelta(seconds=7200)

SCOPE_FULFILLMENT = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
SCOPE_FULFILLMENT_READ = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"
SCOPE_FINANCES = "https://api.ebay.com/oauth/api_scope/sell.finances"
#: what the seller consented to when the refresh token was minted
GRANTED_SCOPES = frozenset({"https://api.ebay.com/oauth/api_scope", SCOPE_FULFILLMENT, SCOPE_FULFILLMENT_READ,
                            SCOPE_FINANCES})  # fmt: skip


@dataclass(frozen=True)
class Credentials:
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
        """Explicit arguments win, then the ``ORDERPILOT_SIM_EBAY_*`` variables, then the defaults."""
        env = os.environ if environ is None else environ
        return cls(
            client_id=client_id or env.get("ORDERPILOT_SIM_EBAY_CLIENT_ID") or DEFAULT_CLIENT_ID,
            client_secret=client_secret or env.get("ORDERPILOT_SIM_EBAY_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET,
            refresh_token=refresh_token or env.get("ORDERPILOT_SIM_EBAY_REFRESH_TOKEN") or DEFAULT_REFRESH_TOKEN,
        )


@dataclass(frozen=True)
class AccessToken:
    value: str
    scopes: frozenset[str]
    expires_at: dt.datetime


class TokenStore:
    """Issued user access tokens by value; thread-safe."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, scopes: frozenset[str], now: dt.datetime) -> AccessToken:
        token = AccessToken("v^1.1#i^1#p^3#r^0#I^3#f^0#t^" + secrets.token_urlsafe(48), scopes, now + TOKEN_LIFETIME)
        with self._lock:
            self._tokens[token.value] = token
            self.issued += 1
        return token

    def valid(self, value: str, now: dt.datetime) -> AccessToken | None:
        with self._lock:
            token = self._tokens.get(value)
        return token if token is not None and now < token.expires_at else None

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()
            self.issued = 0


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def client_from_basic_auth(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    return (client_id, client_secret) if sep else None


def exchange_refresh_token(
    form: Mapping[str, str],
    authorization: str,
    credentials: Credentials,
    tokens: TokenStore,
    now: dt.datetime,
    granted: frozenset[str] = GRANTED_SCOPES,
) -> dict[str, object]:
    """Check the client, the grant and the scopes; issue a user access token (7200 s of simulator time)."""
    client = client_from_basic_auth(authorization)
    if client is None or not (
        _same(client[0], credentials.client_id) and _same(client[1], credentials.client_secret)
    ):
        raise OAuthError(401, "invalid_client", "client authentication failed")
    grant_type = form.get("grant_type", "")
    if grant_type != "refresh_token":
        raise OAuthError(400, "unsupported_grant_type", "grant type in request is not supported by the authorization "
                         "server")  # fmt: skip
    if not form.get("refresh_token"):
        raise OAuthError(400, "invalid_request", "request is missing a required parameter or malformed")
    if not _same(form["refresh_token"], credentials.refresh_token):
        raise OAuthError(
            400, "invalid_grant", "the provided authorization refresh token is invalid or was issued to another client"
        )
    requested = frozenset(form.get("scope", "").split()) or granted
    if not requested <= granted:
        raise OAuthError(
            400,
            "invalid_scope",
            "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the resource owner",
        )
    token = tokens.issue(requested, now)
    return {"access_token": token.value, "expires_in": int(TOKEN_LIFETIME.total_seconds()),
            "token_type": "User Access Token"}  # fmt: skip

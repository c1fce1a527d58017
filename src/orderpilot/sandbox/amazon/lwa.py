"""``POST /auth/o2/token``: Login with Amazon's refresh-token exchange.

Wrong client credentials are refused like LWA does, ``401 {"error": "invalid_client"}`` (observed in
amzn/selling-partner-api-docs#125, #499; jlevers/selling-partner-api#578); a wrong refresh token is
``400 invalid_grant`` (amzn/selling-partner-api-models#921); another grant type is
``400 unsupported_grant_type``; a missing field is ``400 invalid_request``.
"""

from __future__ import annotations

import hmac

from .errors import LwaError
from .routing import Call, Reply


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def exchange_refresh_token(call: Call) -> Reply:
    """Issue an access token (valid 3600 s of simulator time) for the configured refresh token."""
    form = call.request.form
    credentials = call.sim.config.credentials
    grant_type = form.get("grant_type", "")
    if grant_type != "refresh_token":
        raise LwaError(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        )
    missing = [name for name in ("refresh_token", "client_id", "client_secret") if not form.get(name)]
    if missing:
        raise LwaError(400, "invalid_request", f"The request is missing a required parameter : {missing[0]}")
    if not (
        _same(form["client_id"], credentials.client_id)
        and _same(form["client_secret"], credentials.client_secret)
    ):
        raise LwaError(401, "invalid_client", "Client authentication failed")
    if not _same(form["refresh_token"], credentials.refresh_token):
        raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
    token = call.sim.tokens.issue_access_token(credentials.app_key, call.now)
    body = {
        "access_token": token.value,
        "refresh_token": credentials.refresh_token,
        "token_type": "bearer",
        "expires_in": 3600,
    }
    return Reply(200, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

"""eBay's REST error model and the OAuth token endpoint's error body.

REST APIs answer ``{"errors": [{errorId, domain, category, message, longMessage, parameters}]}``
(schema ``Error`` of ``sell_fulfillment_v1_oas3.json``). The error ids of the Fulfillment API come
from that file's ``x-response-codes`` (30700…32800, 30500), those of the Finances API from
``sell_finances_v1`` (135000…135005). The cross-API ones are as eBay sends them and developers quote
them: 1001 "Invalid access token" (davidtsadler/ebay-sdk-examples#42, #81), 1100 "Access denied",
2001 "Too many requests". The token endpoint answers ``{"error", "error_description"}``
(hendt/ebay-api#77, matecsaj/ebay_rest#35, pajaydev/ebay-node-api#81).
"""

from __future__ import annotations

from typing import Any

FULFILLMENT = "API_FULFILLMENT"
FINANCES = "API_FINANCES"


class EbayError(Exception):
    """A refusal the simulator answers with eBay's error body and the given HTTP status."""

    def __init__(
        self,
        status: int,
        error_id: int,
        message: str,
        *,
        domain: str = FULFILLMENT,
        category: str = "REQUEST",
        long_message: str | None = None,
        parameters: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error_id}: {message}")
        self.status = status
        self.error_id = error_id
        self.message = message
        self.domain = domain
        self.category = category
        self.long_message = long_message or message
        self.parameters = parameters or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "errorId": self.error_id,
            "domain": self.domain,
            "category": self.category,
            "message": self.message,
            "longMessage": self.long_message,
        }
        if self.parameters:
            error["parameters"] = [{"name": k, "value": v} for k, v in self.parameters.items()]
        return {"errors": [error]}


def invalid_access_token() -> EbayError:
    return EbayError(
        401,
        1001,
        "Invalid access token",
        domain="OAuth",
        long_message="Invalid access token. Check the value of the Authorization HTTP request header.",
    )


def access_denied() -> EbayError:
    return EbayError(
        403, 1100, "Access denied", domain="ACCESS", long_message="Insufficient permissions to fulfill the request."
    )


def too_many_requests(api: str, limit: int) -> EbayError:
    return EbayError(
        429,
        2001,
        "Too many requests. The request limit has been reached for the resource.",
        domain="ACCESS",
        parameters={"api": api, "dailyLimit": str(limit)},
    )


def system_error(domain: str = FULFILLMENT) -> EbayError:
    if domain == FINANCES:
        return EbayError(
            500,
            135000,
            "There was a problem with an eBay internal system or process. Contact eBay developer support for "
            "assistance.",
            domain=FINANCES,
            category="APPLICATION",
        )
    return EbayError(500, 30500, "System error", domain=domain, category="APPLICATION")


def unavailable(status: int, domain: str = FULFILLMENT) -> EbayError:
    return EbayError(status, 30500 if domain == FULFILLMENT else 135000, "Service unavailable", domain=domain,
                     category="APPLICATION")  # fmt: skip


class OAuthError(Exception):
    """A refusal of ``/identity/v1/oauth2/token``: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}

"""SP-API's error body ``{"errors": [{code, message, details}]}`` and the messages Amazon is known to send.

Messages quoted from public issue threads are marked with their source, so a reader can tell what is
Amazon's wording and what is the simulator's.
"""

from __future__ import annotations

from typing import Any

# amzn/selling-partner-api-models#713, #826: the body of every 403 for a missing or unknown token.
ACCESS_DENIED = "Access to requested resource is denied."
# saleweaver/python-amazon-sp-api exceptions and the SP-API docs on 429.
QUOTA_EXCEEDED = "You exceeded your quota for the requested resource."
# amzn/selling-partner-api-models#2382: what Amazon answers to a mangled NextToken.
BAD_NEXT_TOKEN = (
    "We could not decode your NextToken. Possible reasons include: a transmission error, improper "
    "quoting or a truncation problem."
)


class SpApiError(Exception):
    """A refusal the simulator answers with an SP-API error body and the given HTTP status."""

    def __init__(self, status: int, code: str, message: str, details: str | None = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: str | None = "") -> dict[str, Any]:
    """One error; ``details=None`` leaves the optional field out (as some of Amazon's answers do)."""
    error = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"errors": [error]}


def invalid_input(message: str, details: str = "") -> SpApiError:
    return SpApiError(400, "InvalidInput", message, details)


def not_found(message: str) -> SpApiError:
    return SpApiError(404, "NotFound", message)


def unauthorized(details: str = "") -> SpApiError:
    return SpApiError(403, "Unauthorized", ACCESS_DENIED, details)


def quota_exceeded() -> SpApiError:
    return SpApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)


def internal_failure() -> SpApiError:
    return SpApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")


def service_unavailable() -> SpApiError:
    return SpApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")


class LwaError(Exception):
    """A refusal of the Login-with-Amazon token endpoint: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error_description": self.description, "error": self.error}

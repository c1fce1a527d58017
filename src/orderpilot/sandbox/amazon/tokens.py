"""Tokens API 2021-03-01: ``createRestrictedDataToken``.

The simulator serves the Orders v0 restricted operations (getOrders, getOrder, getOrderItems with
``dataElements``; getOrderAddress, getOrderBuyerInfo, getOrderItemsBuyerInfo without). An RDT covers a
resource only for the exact method and path it names; a path with a literal ``{orderId}`` (as in the
model's sandbox example) is accepted but covers no real order. Any other path is refused with 400.
"""

from __future__ import annotations

from .auth import RestrictedResource, allowed_data_elements
from .errors import SpApiError, invalid_input, unauthorized
from .routing import Call, Reply

_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})


def _resource(entry: object) -> RestrictedResource:
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("path"), str)
        or entry.get("method") not in _METHODS
    ):
        raise SpApiError(
            400,
            "InvalidRequest",
            "Request is missing or has invalid parameters",
            "Each restrictedResource needs a method (GET, PUT, POST, DELETE) and a path.",
        )
    path = entry["path"].split("?", 1)[0]
    try:
        allowed = allowed_data_elements(path.rstrip("/") or path)
    except KeyError:
        raise invalid_input(
            "Application does not have access to one or more requested data elements",
            f"{entry['method']} {path} is not a restricted operation.",
        ) from None
    elements = entry.get("dataElements")
    if allowed is None:
        return RestrictedResource(entry["method"], path, frozenset())
    if not isinstance(elements, list) or not elements:
        raise invalid_input("dataElements is required for this restricted resource.", path)
    unknown = sorted(set(elements) - allowed)
    if unknown:
        raise invalid_input(
            f"Invalid dataElements: {', '.join(map(str, unknown))}", f"Allowed: {sorted(allowed)}"
        )
    return RestrictedResource(entry["method"], path, frozenset(elements))


def create_restricted_data_token(call: Call) -> Reply:
    if call.token is None or call.token.restricted is not None:
        # An RDT cannot mint another RDT: only the LWA access token may call the Tokens API.
        raise unauthorized()
    body = call.json_body()
    entries = body.get("restrictedResources")
    if not isinstance(entries, list) or not 1 <= len(entries) <= 50:
        raise SpApiError(
            400,
            "InvalidRequest",
            "Request is missing or has invalid parameters",
            "restrictedResources must list 1 to 50 resources.",
        )
    resources = tuple(_resource(entry) for entry in entries)
    rdt = call.sim.tokens.issue_rdt(call.token, resources, call.now)
    return Reply(200, {"restrictedDataToken": rdt.value, "expiresIn": 3600})

"""The webhook return channel (``POST /api/shipping/confirmations/``): who is calling, and the parts
of the body beyond the basic confirmation (parcel contents, stock feeds)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .models import Shipper


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def shipper_for_token(authorization: str) -> Shipper | None:
    """The shipper whose current or previous token (rotation) is in ``Authorization: Token …``."""
    parts = authorization.split()
    if len(parts) != 2 or parts[0] != "Token" or not parts[1]:
        return None
    digest = token_hash(parts[1])
    found = None
    for shipper in Shipper.objects.filter(active=True).exclude(webhook_token_hash="", previous_webhook_token_hash=""):
        for candidate in (shipper.webhook_token_hash, shipper.previous_webhook_token_hash):
            # compare every candidate (no early exit), so timing does not tell how far a guess got
            if candidate and hmac.compare_digest(candidate, digest):
                found = shipper
    return found


def parse_lines(raw: Any) -> dict[str, int] | None:
    """``"lines": [{"sku": "MUG-01", "quantity": 1}, …]`` → ``{SKU: quantity}``; ``None`` if absent.

    Raises ``ValueError`` with a message for the caller's 400 answer.
    """
    if raw in (None, []):
        return None
    if not isinstance(raw, list):
        raise ValueError("lines must be a list of {sku, quantity}")
    lines: dict[str, int] = {}
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("sku"), str) or not entry["sku"]:
            raise ValueError(f"lines[{number}]: needs a sku")
        quantity = entry.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ValueError(f"lines[{number}]: quantity must be a positive whole number")
        lines[entry["sku"]] = lines.get(entry["sku"], 0) + quantity
    return lines


def parse_stock_feed(raw: Any) -> dict[str, int]:
    """``"stock": {"MUG-01": 12, …}`` → the table; raises ``ValueError`` for anything else."""
    if not isinstance(raw, dict) or not raw:
        raise ValueError("stock must be an object of SKU → quantity")
    stock: dict[str, int] = {}
    for sku, quantity in raw.items():
        if not sku or len(sku) > 64:
            raise ValueError(f"stock: bad SKU {sku!r}")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise ValueError(f"stock: quantity of {sku} must be a whole number")
        stock[sku] = max(quantity, 0)
    return stock

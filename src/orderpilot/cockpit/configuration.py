"""The effective configuration as a TOML file in the shape of CONTRACT.md §2, built from the database.

Applying the file with ``orderpilot config apply`` changes nothing (the round trip the tests check).
Secrets never go into it: channels name their environment variables (``*_env``) as configured;
passwords in shipper URLs and secret keys (``password``, ``token`` …) are removed, and the file's
header says where, because applying the file there would drop the password that was stored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tomli_w
from django.utils import timezone

from orderpilot.catalog.models import Product
from orderpilot.channels.models import Channel
from orderpilot.core.configuration.durations import format_duration
from orderpilot.core.models import SystemSetting
from orderpilot.orders.models import HoldRule
from orderpilot.shipping.models import Shipper

#: Keys whose value is itself a secret; their ``*_env`` counterparts are kept.
SECRET_KEYS = frozenset({"password", "token", "secret", "private_key", "api_key", "client_secret"})
CHANNEL_SETTING_KEYS = ("token_endpoint", "marketplace_ids", "secret_env")


def export_configuration() -> str:
    """The TOML text of the whole configuration, with a header naming anything left out."""
    removed: list[str] = []
    data: dict[str, Any] = {}
    company = SystemSetting.objects.filter(key="company").first()
    if company is not None:
        data["company"] = _clean_mapping(dict(company.value), "company", removed)
    notifications = SystemSetting.objects.filter(key="notifications").first()
    if notifications is not None:
        value = _clean_mapping(dict(notifications.value), "notifications", removed)
        if isinstance(value.get("review_request_after"), int):
            value["review_request_after"] = format_duration(value["review_request_after"])
        data["notifications"] = value
    data["channels"] = [_channel(channel) for channel in Channel.objects.order_by("code")]
    data["products"] = [_product(product) for product in Product.objects.order_by("sku")]
    data["shippers"] = [_shipper(shipper, removed) for shipper in Shipper.objects.order_by("code")]
    data["hold_rules"] = [_hold_rule(rule) for rule in HoldRule.objects.order_by("code")]
    data = {key: value for key, value in data.items() if value not in ([], None)}
    header = [
        "# OrderPilot configuration, exported " + timezone.now().strftime("%Y-%m-%d %H:%M:%S UTC"),
        "# Apply it with: orderpilot config apply FILE.toml",
        "# Secrets are not in this file: set the environment variables named by the *_env keys.",
    ]
    header += [f"# removed secret: {where} (set it again before applying this file there)" for where in removed]
    return "\n".join(header) + "\n\n" + tomli_w.dumps(_drop_none(data))


def _channel(channel: Channel) -> dict[str, Any]:
    settings = dict(channel.settings or {})
    entry: dict[str, Any] = {"code": channel.code, "kind": channel.kind, "name": channel.name}
    if channel.endpoint:
        entry["endpoint"] = channel.endpoint
    if settings.get("token_endpoint"):
        entry["token_endpoint"] = settings["token_endpoint"]
    if settings.get("marketplace_ids"):
        entry["marketplace_ids"] = list(settings["marketplace_ids"])
    for name, env_name in sorted((settings.get("secret_env") or {}).items()):
        entry[f"{name}_env"] = env_name
    entry["poll_interval"] = format_duration(channel.poll_interval)
    entry["active"] = channel.active
    if channel.communication:
        entry["communication"] = dict(channel.communication)
    extra = {key: value for key, value in settings.items() if key not in CHANNEL_SETTING_KEYS}
    if extra:
        entry["settings"] = extra
    return entry


def _product(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "weight_g": product.weight_g,
        "length_mm": product.length_mm,
        "width_mm": product.width_mm,
        "height_mm": product.height_mm,
        "active": product.active,
    }


def _shipper(shipper: Shipper, removed: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": shipper.code,
        "name": shipper.name,
        "kind": shipper.kind,
        "active": shipper.active,
        "priority": shipper.priority,
        "carrier": shipper.carrier,
        "services": list(shipper.services or []),
        "countries": list(shipper.countries or []),
    }
    for key in ("max_weight_g", "max_length_mm", "max_width_mm", "max_height_mm", "max_girth_mm"):
        if getattr(shipper, key) is not None:
            entry[key] = getattr(shipper, key)
    entry["price"] = [dict(row) for row in shipper.price_table or []]
    entry["transit_days"] = shipper.transit_days
    entry["confirmation_deadline"] = format_duration(shipper.confirmation_deadline)
    stock = shipper.stock or {"mode": "unlimited"}
    entry["stock"] = dict(stock.get("skus") or {}) if stock.get("mode") == "table" else stock.get("mode", "unlimited")
    if shipper.transport:
        entry["transport"] = _clean_mapping(dict(shipper.transport), f"shipper {shipper.code} transport", removed)
    if shipper.document_format:
        entry["format"] = shipper.document_format
    if shipper.return_channel:
        entry["return_channel"] = _clean_mapping(
            dict(shipper.return_channel), f"shipper {shipper.code} return_channel", removed
        )
    return entry


def _hold_rule(rule: HoldRule) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": rule.code, "when": rule.when}
    entry.update(rule.params or {})
    if rule.channels:
        entry["channels"] = list(rule.channels)
    entry["active"] = rule.active
    return entry


def _clean_mapping(mapping: dict[str, Any], where: str, removed: list[str]) -> dict[str, Any]:
    """``mapping`` without secret values: secret keys dropped, passwords cut out of URLs."""
    clean: dict[str, Any] = {}
    for key, value in mapping.items():
        if key in SECRET_KEYS:
            if value:
                removed.append(f"{where}.{key}")
            continue
        if isinstance(value, str) and "://" in value:
            stripped = _without_password(value)
            if stripped != value:
                removed.append(f"{where}.{key} (password in the URL)")
            value = stripped
        clean[key] = value
    return clean


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _drop_none(value: Any) -> Any:
    """TOML has no null: leave out keys whose value is ``None``."""
    if isinstance(value, dict):
        return {key: _drop_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_none(item) for item in value]
    return value

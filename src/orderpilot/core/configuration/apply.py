"""``orderpilot config apply``: load a TOML file into the database, all or nothing, idempotently."""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model

from orderpilot.core.runcache import forget_run_cache

from .schema import ConfigError, ConfigFile, validate_config


@dataclass
class ApplyReport:
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


#: a configuration file is a few kilobytes; anything near this is not one
MAX_FILE_BYTES = 5 * 1024 * 1024


def load_config_file(path: Path) -> ConfigFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError([("(file)", f"cannot read {path}: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError([("(file)", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a configuration file")])
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([("(file)", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([("(file)", f"invalid TOML: {exc}")]) from None
    except RecursionError:
        raise ConfigError([("(file)", "invalid TOML: nested too deeply")]) from None
    return validate_config(data)


def apply_config_file(path: Path) -> ApplyReport:
    return apply_config(load_config_file(path))


def apply_config(config: ConfigFile) -> ApplyReport:
    """Create or update everything in ``config`` in one transaction; return what changed."""
    report = ApplyReport()
    with transaction.atomic():
        if config.company is not None:
            _upsert_setting("company", config.company.model_dump(), report)
        if config.notifications is not None:
            _upsert_setting("notifications", config.notifications.model_dump(by_alias=True), report)
        for section in ("invoicing", "invoice_template", "payments", "accounting"):
            value = getattr(config, section)
            if value is not None:
                _upsert_setting(section, value.model_dump(mode="json"), report)
        for channel in config.channels:
            _apply_channel(channel, report)
        for product in config.products:
            _apply_product(product, report)
        for shipper in config.shippers:
            _apply_shipper(shipper, report)
        for rule in config.hold_rules:
            _apply_hold_rule(rule, report)
    # applied inside a job run (a test, a script): what the run memoised is stale now
    forget_run_cache()
    return report


def _upsert(model: type[Model], lookup: dict[str, Any], values: dict[str, Any], label: str, report: ApplyReport):
    _check_lengths(model, {**lookup, **values}, label)
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model._default_manager.create(**lookup, **values)
        report.changes.append(f"{label}: created")
        return instance
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=changed)
        report.changes.append(f"{label}: updated {', '.join(sorted(changed))}")
    return instance


def _check_lengths(model: type[Model], values: dict[str, Any], label: str) -> None:
    """A text longer than its database column is refused with the key, not cut off or left to the
    database (PostgreSQL would refuse the whole file with a message naming no key)."""
    problems = []
    for name, value in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            problems.append((f"{label}: {name}", f"longer than {limit} characters"))
    if problems:
        raise ConfigError(problems)


def _upsert_setting(key: str, value: dict[str, Any], report: ApplyReport) -> None:
    from orderpilot.core.models import SystemSetting

    _upsert(SystemSetting, {"key": key}, {"value": _jsonable(value)}, key, report)


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def _apply_channel(config, report: ApplyReport) -> None:
    from orderpilot.channels.models import Channel

    secrets: dict[str, str] = {}
    for name, env_name in sorted(config.secret_env_names.items()):
        value = os.environ.get(env_name)
        if value is None:
            report.warnings.append(f"channel {config.code}: environment variable {env_name} is not set")
        else:
            secrets[name] = value
    settings = {
        **config.settings,
        "token_endpoint": config.token_endpoint,
        "marketplace_ids": config.marketplace_ids,
        "secret_env": config.secret_env_names,
    }
    values = {
        "kind": config.kind,
        "name": config.name or config.code,
        "endpoint": config.endpoint,
        "settings": settings,
        "communication": config.communication.model_dump(exclude_none=True),
        "poll_interval": config.poll_interval,
        "active": config.active,
    }
    existing = Channel.objects.filter(code=config.code).first()
    if secrets or existing is None:
        values["secrets"] = {**((existing.secrets or {}) if existing else {}), **secrets}
    _upsert(Channel, {"code": config.code}, values, f"channel {config.code}", report)


def _apply_product(config, report: ApplyReport) -> None:
    from orderpilot.catalog.models import Product

    _upsert(Product, {"sku": config.sku}, config.model_dump(exclude={"sku"}), f"product {config.sku}", report)


def _apply_shipper(config, report: ApplyReport) -> None:
    from orderpilot.shipping.models import Shipper

    hashes: dict[str, str] = {}
    return_channel = config.return_channel.model_dump(exclude_none=True) if config.return_channel else None
    for column, key in (("webhook_token_hash", "token_env"), ("previous_webhook_token_hash", "previous_token_env")):
        env_name = getattr(config.return_channel, key, None) if config.return_channel else None
        if not env_name:
            continue
        token = os.environ.get(env_name)
        if token:
            hashes[column] = hashlib.sha256(token.encode()).hexdigest()
        else:
            report.warnings.append(f"shipper {config.code}: environment variable {env_name} is not set")
    if "webhook_token_hash" in hashes and not config.return_channel.previous_token_env:
        hashes["previous_webhook_token_hash"] = ""  # rotation finished: the old token stops working
    transport = config.transport.model_dump() if config.transport else None
    transport = _shipper_secrets(transport, config.code, report)
    return_channel = _shipper_secrets(return_channel, config.code, report, keep={"token_env", "previous_token_env"})
    stock = {"mode": "table", "skus": config.stock} if isinstance(config.stock, dict) else {"mode": config.stock}
    values = {
        "name": config.name or config.code,
        "kind": config.kind,
        "active": config.active,
        "priority": config.priority,
        "carrier": config.carrier,
        "services": list(config.services),
        "countries": list(config.countries),
        "max_weight_g": config.max_weight_g,
        "max_length_mm": config.max_length_mm,
        "max_width_mm": config.max_width_mm,
        "max_height_mm": config.max_height_mm,
        "max_girth_mm": config.max_girth_mm,
        "price_table": _jsonable([row.model_dump() for row in config.price]),
        "transit_days": config.transit_days,
        "confirmation_deadline": config.confirmation_deadline,
        "stock": stock,
        "transport": transport,
        "document_format": config.format or "",
        "return_channel": return_channel,
        "document_template": config.template,
        "cancellation_template": config.cancellation_template,
        "poll_interval": config.poll_interval,
        **hashes,
    }
    _upsert(Shipper, {"code": config.code}, values, f"shipper {config.code}", report)


def _shipper_secrets(section, code: str, report: ApplyReport, keep: frozenset | set = frozenset()):
    """Resolve ``*_env`` keys of a transport/return channel (e.g. ``password_env``) into the secret
    itself (``password``), stored encrypted with the section; the ``*_env`` name is kept for reference."""
    if not section:
        return section
    resolved = dict(section)
    for key, env_name in section.items():
        if not key.endswith("_env") or key in keep:
            continue
        value = os.environ.get(str(env_name))
        if value is None:
            report.warnings.append(f"shipper {code}: environment variable {env_name} is not set")
        else:
            resolved[key.removesuffix("_env")] = value
    return _jsonable(resolved)


def _apply_hold_rule(config, report: ApplyReport) -> None:
    from orderpilot.orders.models import HoldRule

    values = {
        "when": config.when,
        "params": _jsonable(config.params),
        "channels": list(config.channels),
        "active": config.active,
    }
    _upsert(HoldRule, {"code": config.code}, values, f"hold rule {config.code}", report)

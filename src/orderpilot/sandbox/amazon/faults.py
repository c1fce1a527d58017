"""Fault injection for chaos tests: ``POST /_sim/faults``.

``{"status": 429|500|503, "rate": 0.0..1.0, "operations": [operationId, ...]}`` makes that share of calls
to the listed operations (all SP-API operations when omitted) fail with SP-API's error body for the
status. ``"timeout": true`` makes the affected calls hang ``timeout_seconds`` (default 5) first; without a
``status`` they then proceed normally, so the client cannot know whether its call took effect.
``{"rate": 0}`` clears. An operation is named by its operationId (``getOrders``) or, where two APIs share
one, qualified by the model name (``orders_2026-01-01.getOrder``).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

from .errors import SpApiError, internal_failure, quota_exceeded, service_unavailable

_ERRORS = {429: quota_exceeded, 500: internal_failure, 503: service_unavailable}


class FaultConfigError(ValueError):
    """The /_sim/faults body is not usable; the message says why."""


@dataclass(frozen=True)
class Fault:
    error: SpApiError | None  # None: only a delay
    delay_seconds: float


@dataclass(frozen=True)
class _Rule:
    status: int | None
    rate: float
    operations: frozenset[str] | None
    timeout_seconds: float | None


class FaultInjector:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._rule: _Rule | None = None
        self._lock = threading.Lock()

    def configure(self, body: Any) -> dict[str, Any]:
        """Set (or with rate 0, clear) the fault rule; returns it as JSON."""
        if not isinstance(body, dict):
            raise FaultConfigError("the body must be a JSON object")
        rate = body.get("rate", 1.0)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise FaultConfigError("rate must be a number from 0.0 to 1.0")
        status = body.get("status")
        if status is not None and status not in _ERRORS:
            raise FaultConfigError(f"status must be one of {sorted(_ERRORS)}")
        timeout = body.get("timeout", False)
        seconds = body.get("timeout_seconds", 5)
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 < seconds <= 120:
            raise FaultConfigError("timeout_seconds must be a number of seconds up to 120")
        operations = body.get("operations")
        if operations is not None and (
            not isinstance(operations, list) or not all(isinstance(o, str) for o in operations)
        ):
            raise FaultConfigError("operations must be a list of operationIds")
        if rate and status is None and not timeout:
            raise FaultConfigError("give a status (429, 500, 503) and/or timeout: true")
        with self._lock:
            self._rule = (
                None
                if rate == 0
                else _Rule(
                    status,
                    float(rate),
                    frozenset(operations) if operations else None,
                    float(seconds) if timeout else None,
                )
            )
        return self.describe()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            rule = self._rule
        if rule is None:
            return {"rate": 0}
        return {
            "status": rule.status,
            "rate": rule.rate,
            "operations": sorted(rule.operations or []) or None,
            "timeout_seconds": rule.timeout_seconds,
        }

    def draw(self, api: str, operation_id: str) -> Fault | None:
        """Whether this call fails (or hangs), decided at random by the configured rate."""
        with self._lock:
            rule = self._rule
            if rule is None:
                return None
            if rule.operations is not None and not {operation_id, f"{api}.{operation_id}"} & rule.operations:
                return None
            if self._rng.random() >= rule.rate:
                return None
        error = _ERRORS[rule.status]() if rule.status else None
        return Fault(error, rule.timeout_seconds or 0.0)

    def reset(self) -> None:
        with self._lock:
            self._rule = None

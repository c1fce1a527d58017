"""Resolve a configured dotted path to the object it names, checked against a Protocol."""

from __future__ import annotations

import functools
from typing import Any

from django.utils.module_loading import import_string

from .exceptions import ConfigurationError


@functools.cache
def resolve(dotted_path: str) -> Any:
    try:
        return import_string(dotted_path)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import {dotted_path!r}: {exc}") from exc


def resolve_checked(dotted_path: str, protocol: type) -> Any:
    """Import ``dotted_path``; raise :class:`ConfigurationError` unless it satisfies ``protocol``.

    ``protocol`` must be a ``runtime_checkable`` Protocol; classes are checked as instances of it.
    """
    obj = resolve(dotted_path)
    candidate = obj() if isinstance(obj, type) else obj
    if not isinstance(candidate, protocol):
        raise ConfigurationError(f"{dotted_path!r} does not implement {protocol.__name__}")
    return obj

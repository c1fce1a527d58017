"""Typed read access to the configuration sections kept in ``SystemSetting``."""

from __future__ import annotations

import copy
from typing import Any

from .schema import CompanyConfig, NotificationsConfig


class NotificationSettings(NotificationsConfig):
    @property
    def from_address(self) -> str:
        return self.from_

    @property
    def bounce_password(self) -> str:
        import os

        return os.environ.get(self.bounce_password_env, "") if self.bounce_password_env else ""


#: what :func:`stored_setting` returns for a section that was never set
NOT_SET: Any = object()


def stored_setting(key: str, default: Any = NOT_SET) -> Any:
    """The stored value of section ``key`` (``default`` if it was never set), read once per job run
    (see :mod:`orderpilot.core.runcache`).

    Each call returns its own copy, so a caller may change it without touching the run's memo.
    """
    from orderpilot.core.runcache import per_run

    found, value = per_run(("setting", key), lambda: _read_setting(key))
    return copy.deepcopy(value) if found else default


def _read_setting(key: str) -> tuple[bool, Any]:
    from orderpilot.core.models import SystemSetting

    row = SystemSetting.objects.filter(key=key).first()
    return (True, row.value) if row else (False, None)


def notification_settings() -> NotificationSettings:
    return NotificationSettings.model_validate(stored_setting("notifications", {}))


def company_settings() -> CompanyConfig | None:
    value = stored_setting("company")
    return None if value is NOT_SET else CompanyConfig.model_validate(value)

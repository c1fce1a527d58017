"""Typed read access to the configuration sections kept in ``SystemSetting``."""

from __future__ import annotations

from .schema import CompanyConfig, NotificationsConfig


class NotificationSettings(NotificationsConfig):
    @property
    def from_address(self) -> str:
        return self.from_

    @property
    def bounce_password(self) -> str:
        import os

        return os.environ.get(self.bounce_password_env, "") if self.bounce_password_env else ""


def notification_settings() -> NotificationSettings:
    from orderpilot.core.models import SystemSetting

    row = SystemSetting.objects.filter(key="notifications").first()
    return NotificationSettings.model_validate(row.value if row else {})


def company_settings() -> CompanyConfig | None:
    from orderpilot.core.models import SystemSetting

    row = SystemSetting.objects.filter(key="company").first()
    return CompanyConfig.model_validate(row.value) if row else None

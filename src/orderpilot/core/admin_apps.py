"""App config of the Django admin with OrderPilot's admin site (importable before apps are ready)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "orderpilot.core.admin_site.OrderPilotAdminSite"

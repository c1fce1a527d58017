"""The Django admin, with its login handled by OrderPilot's one (attempt-limited) login page."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _


class OrderPilotAdminSite(admin.AdminSite):
    site_header = _("OrderPilot settings")
    site_title = "OrderPilot"

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        # a second login form would bypass the attempt limits of the main one
        return redirect_to_login(request.GET.get("next") or "/admin/")

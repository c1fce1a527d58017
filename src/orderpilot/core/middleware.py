"""Login for every page by default (Django's LoginRequiredMiddleware).

The API under ``/api/`` answers 401/403 itself (DRF's ``IsAuthenticated`` default permission)
instead of redirecting to the login page, so scripts get a status code, not a login form.
"""

from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware

API_PREFIX = "/api/"


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

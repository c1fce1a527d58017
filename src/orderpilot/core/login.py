"""The login view, with attempts limited per client address and per user name.

Guessing passwords costs time: a burst of 10 attempts, then one a minute, for each address and
each user name (shared by all web workers through the database buckets of core.ratelimit).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from .ratelimit import take_token

ATTEMPTS_BURST = 10
ATTEMPTS_PER_SECOND = 1 / 60


class ThrottledLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        address = request.META.get("REMOTE_ADDR", "unknown")
        username = request.POST.get("username", "")[:150].strip().lower()
        waits = [
            take_token(f"login:addr:{address}", rate=ATTEMPTS_PER_SECOND, burst=ATTEMPTS_BURST),
            take_token(f"login:user:{username}", rate=ATTEMPTS_PER_SECOND, burst=ATTEMPTS_BURST),
        ]
        if max(waits) > 0:
            response = render(request, "registration/login_throttled.html", {"wait": int(max(waits)) + 1}, status=429)
            response["Retry-After"] = str(int(max(waits)) + 1)
            return response
        return super().post(request, *args, **kwargs)

"""``ORDERPILOT_API_TOKEN``: a token from the environment that authenticates as the first superuser."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions


class EnvironmentTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        expected = settings.ORDERPILOT_API_TOKEN
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not expected or len(header) != 2 or header[0] != self.keyword:
            return None
        if not hmac.compare_digest(header[1].encode(), expected.encode()):
            return None  # not ours: let TokenAuthentication look it up
        user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise exceptions.AuthenticationFailed("ORDERPILOT_API_TOKEN is set but no superuser exists yet")
        return user, None

    def authenticate_header(self, request):
        return self.keyword


class EnvironmentTokenScheme(OpenApiAuthenticationExtension):
    """Documents the environment token in the OpenAPI schema (same header as stored tokens)."""

    target_class = "orderpilot.api.authentication.EnvironmentTokenAuthentication"
    name = "environmentTokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <token>"}

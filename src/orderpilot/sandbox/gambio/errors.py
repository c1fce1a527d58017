"""Gambio GX REST API v2's error body and Basic-auth credentials.

Every refusal is ``{"code", "status": "error", "message", "request": {method, url, path, uri: {root,
resource}}}`` (gambio/docs ``_legacy/REST/.../guides/error-handling.md``; ``defaultErrorResponse`` in
``docs/Tutorials/API/v2/openapi.json``). Authentication is HTTP Basic with an administrator's login; a
request without valid credentials gets ``401`` (guides/authentication.md).

Credentials (override through ``create_app`` keyword arguments or these environment variables):

==========  =========================  ====================================
credential  default                    environment variable
==========  =========================  ====================================
username    ``api@shop.example``       ``ORDERPILOT_SIM_GAMBIO_USERNAME``
password    ``sim-gambio-password``    ``ORDERPILOT_SIM_GAMBIO_PASSWORD``
==========  =========================  ====================================
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

DEFAULT_USERNAME = "api@shop.example"
DEFAULT_PASSWORD = "sim-gambio-password"  # noqa: S105 - the simulator's documented default


class GambioError(Exception):
    """A refusal answered with Gambio's error body."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message

    def body(self, request: Request) -> dict[str, Any]:
        resource = request.path.removeprefix("/api.php")
        return {
            "code": self.code,
            "status": "error",
            "message": self.message,
            "request": {"method": request.method, "url": request.host_url.rstrip("/"), "path": request.path,
                        "uri": {"root": "/api.php", "resource": resource}},
        }  # fmt: skip


@dataclass(frozen=True)
class Credentials:
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD

    @classmethod
    def resolve(
        cls, *, username: str | None, password: str | None, environ: Mapping[str, str] | None = None
    ) -> Credentials:
        """Explicit arguments win, then ``ORDERPILOT_SIM_GAMBIO_*``, then the defaults."""
        env = os.environ if environ is None else environ
        return cls(
            username=username or env.get("ORDERPILOT_SIM_GAMBIO_USERNAME") or DEFAULT_USERNAME,
            password=password or env.get("ORDERPILOT_SIM_GAMBIO_PASSWORD") or DEFAULT_PASSWORD,
        )

    def accepts(self, authorization: str) -> bool:
        if not authorization.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, sep, password = decoded.partition(":")
        return bool(sep) and hmac.compare_digest(username.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )

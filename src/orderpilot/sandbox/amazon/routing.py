"""The request/reply types every handler uses, and the SP-API operation table entry."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from .auth import AccessToken
from .errors import invalid_input

if TYPE_CHECKING:
    from .app import Simulator


@dataclass
class Reply:
    """What a handler answers: a JSON ``body`` (``None``: empty) or ``raw`` bytes with a content type."""

    status: int
    body: Any = None
    raw: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One request as a handler sees it, with the simulator's now fixed for the whole call."""

    sim: Simulator
    request: Request
    now: dt.datetime
    args: dict[str, str]
    token: AccessToken | None = None

    @property
    def base_url(self) -> str:
        """Where clients reach the simulator, for the presigned document URLs it hands out.

        The configured ``public_url`` if any; else the address the server listens on; the Host header
        only when bound to all interfaces. The Host header comes last because python-amazon-sp-api
        sends ``host: 27.0.0.1:P`` for an ``http://127.0.0.1:P`` endpoint (research/sp-api.md §9.1).
        """
        if self.sim.config.public_url:
            return self.sim.config.public_url.rstrip("/")
        environ = self.request.environ
        name, port = environ.get("SERVER_NAME", ""), environ.get("SERVER_PORT", "")
        if name and port and name not in ("0.0.0.0", "::"):
            host = f"[{name}]" if ":" in name else name
            return f"{self.request.scheme}://{host}:{port}"
        return self.request.host_url.rstrip("/")

    def json_body(self, *, required: bool = True) -> dict[str, Any]:
        """The request body as a JSON object; an empty body is ``{}`` unless ``required``."""
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            if required:
                raise invalid_input("The request body is missing.", "A JSON request body is required.")
            return {}
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise invalid_input("The request body is not valid JSON.", str(exc)) from exc
        if not isinstance(body, dict):
            raise invalid_input("The request body must be a JSON object.")
        return body


@dataclass(frozen=True)
class Operation:
    """An SP-API operation: the model it belongs to (Swagger file stem), its operationId and route."""

    api: str
    operation_id: str
    method: str
    rule: str
    handler: Callable[[Call], Reply]

    @property
    def key(self) -> str:
        return f"{self.api}.{self.operation_id}"

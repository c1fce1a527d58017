"""The simulators ``orderpilot sim NAME`` runs. Each entry names a factory ``create_app(**options)``
that returns a WSGI application speaking the real wire format of the system it simulates."""

from __future__ import annotations

SIMULATORS: dict[str, str] = {}

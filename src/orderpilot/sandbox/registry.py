"""The simulators ``orderpilot sim NAME`` runs. Each entry names a factory ``create_app(**options)``
that returns a WSGI application speaking the real wire format of the system it simulates."""

from __future__ import annotations

SIMULATORS: dict[str, str] = {
    "amazon": "orderpilot.sandbox.amazon.app.create_app",
    "shipper": "orderpilot.sandbox.shipper.app.create_app",
    "ebay": "orderpilot.sandbox.ebay.app.create_app",
    "gambio": "orderpilot.sandbox.gambio.app.create_app",
}

"""Write the order's timeline. Services call this in the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from orderpilot.core.actors import SYSTEM, Actor

from .models import OrderEvent


def record_event(order, kind: str, message: str = "", *, actor: Actor = SYSTEM, data: dict[str, Any] | None = None):
    return OrderEvent.objects.create(order=order, kind=kind, message=message, actor=actor.name, data=data or {})


#: the columns of an OrderEvent as :func:`record_event` writes them, for bulk inserts of timeline entries
EVENT_FIELDS = ("order_id", "at", "kind", "message", "actor", "data")

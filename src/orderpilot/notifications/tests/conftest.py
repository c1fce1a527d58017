"""A real SMTP server (aiosmtpd) that can refuse the first delivery attempts."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    refuse_next: int = 0
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(db):
    from orderpilot.core.models import SystemSetting

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    SystemSetting.objects.update_or_create(
        key="notifications",
        defaults={"value": {"smtp_url": f"smtp://127.0.0.1:{port}", "from": "shop@example.com",
                            "review_request_after": 7 * 86400}},
    )
    SystemSetting.objects.update_or_create(key="company", defaults={"value": {"name": "Muster GmbH"}})
    yield inbox
    controller.stop()

"""Bounces: delivery reports for customer emails, read from a mailbox and recorded on the order.

``[notifications] bounce_imap_url`` names the mailbox that receives the bounces of the ``from``
address (``imap://user:pass@host/INBOX``; the password may come from ``bounce_password_env``).
A report is matched to the email it is about by the Message-ID OrderPilot gave that email; the
order's timeline records the bounce and a ticket asks a person to reach the customer otherwise.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import re

from django.db import transaction

from orderpilot.core.configuration.sections import notification_settings
from orderpilot.core.exceptions import OrderPilotError
from orderpilot.core.models import OutboxMessage
from orderpilot.orders.timeline import record_event
from orderpilot.shipping.return_channels.imap import ImapMailbox

#: Message-IDs OrderPilot writes: the outbox key with ":" as "." at the host "orderpilot"
OUR_MESSAGE_ID = re.compile(rb"<[A-Za-z0-9._\-]+@orderpilot>")
BATCH = 50


def collect_bounces() -> int:
    """Periodic job: record every bounce in the mailbox; returns how many were matched."""
    settings = notification_settings()
    if not settings.bounce_imap_url:
        return 0
    mailbox = ImapMailbox()
    config = {"url": settings.bounce_imap_url}
    if settings.bounce_password:
        config["password"] = settings.bounce_password
    try:
        items = mailbox.fetch(config, limit=BATCH)
    except OrderPilotError:
        return 0  # the health endpoint and the next run will show it; mail is not lost meanwhile
    matched, outcomes = 0, []
    for item in items:
        message = _bounced_message(item.content)
        if message is None:
            outcomes.append((item, "quarantine"))
            continue
        record_bounce(message, report=item.text[:2000])
        matched += 1
        outcomes.append((item, "done"))
    mailbox.acknowledge(config, outcomes)
    return matched


def _bounced_message(raw: bytes) -> OutboxMessage | None:
    for message_id in _message_ids(raw):
        found = OutboxMessage.objects.filter(kind="email", result__message_id=message_id).first()
        if found is not None:
            return found
    return None


def _message_ids(raw: bytes) -> list[str]:
    """Our Message-IDs anywhere in a delivery report: the returned message's headers (as a
    ``message/rfc822`` part, encoded or not, or ``text/rfc822-headers``) or its text."""
    found = [m.decode() for m in OUR_MESSAGE_ID.findall(raw)]
    try:
        report = email.message_from_bytes(raw, policy=email.policy.default)
        for part in report.walk():
            header = str(part.get("Message-ID", "")).encode()
            found.extend(m.decode() for m in OUR_MESSAGE_ID.findall(header))
            if not part.is_multipart():
                payload = part.get_payload(decode=True) or b""
                found.extend(m.decode() for m in OUR_MESSAGE_ID.findall(payload))
                # a returned message sent as base64 reaches us as the inner body's text: decode it too
                with contextlib.suppress(ValueError):
                    inner = base64.b64decode("".join(str(part.get_payload()).split()), validate=True)
                    found.extend(m.decode() for m in OUR_MESSAGE_ID.findall(inner))
    except Exception:  # a malformed report: what the raw bytes showed must do
        pass
    return list(dict.fromkeys(found))


def record_bounce(message: OutboxMessage, *, report: str) -> None:
    """The email behind ``message`` bounced: note it on the order and hand it to a person, once."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    order = message.order
    recipient = message.payload.get("to", "")
    with transaction.atomic():
        if order is not None:
            record_event(order, "email_bounced", f"{message.payload.get('subject', '')} → {recipient}")
        open_ticket(
            order=order,
            reason=TicketReason.DELIVERY_FAILURE,
            problem_key=f"bounce:{message.pk}",
            title=f"Email to {recipient} bounced" + (f" ({order.channel.code} {order.external_id})" if order else ""),
            body=report,
        )

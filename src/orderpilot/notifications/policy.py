"""Which customer emails OrderPilot may send, per channel.

Amazon forbids sellers to send order or shipping confirmations (Amazon sends its own once the
shipment is confirmed with tracking) and routes review requests through its Solicitations API;
invoices may be sent. Shops and eBay get every email. A channel's ``communication`` setting
overrides these defaults per kind.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    ORDER_RECEIVED = "order_received"
    SHIPPED = "shipped"
    INVOICE = "invoice"
    REVIEW_REQUEST = "review_request"
    TICKET_REPLY = "ticket_reply"  # a person writes to the customer from a ticket


DEFAULTS: dict[str, dict[str, bool]] = {
    "amazon": {
        MessageKind.ORDER_RECEIVED: False,
        MessageKind.SHIPPED: False,
        MessageKind.INVOICE: False,
        MessageKind.REVIEW_REQUEST: False,  # Amazon: only through the Solicitations API
        MessageKind.TICKET_REPLY: False,  # Amazon: only through Buyer-Seller Messaging
    },
    "ebay": dict.fromkeys(MessageKind, True),
    "gambio": dict.fromkeys(MessageKind, True),
}


def may_email(channel, kind: str) -> bool:
    """Whether customers of ``channel`` may get an email of ``kind``."""
    configured = (channel.communication or {}).get(str(kind))
    if configured is not None:
        return bool(configured)
    return DEFAULTS.get(channel.kind, dict.fromkeys(MessageKind, True)).get(kind, False)


def effective_policy(channel) -> dict[str, bool]:
    return {str(kind): may_email(channel, kind) for kind in MessageKind}

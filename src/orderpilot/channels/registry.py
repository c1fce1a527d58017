"""Which connector class serves which channel kind (dotted paths; one module per channel)."""

from __future__ import annotations

from orderpilot.core.exceptions import ConfigurationError
from orderpilot.core.registry import resolve

from .base import ChannelConnector
from .models import Channel

#: Kinds whose connector is installed. A channel of another kind is kept but not polled.
CONNECTORS: dict[str, str] = {
    "amazon": "orderpilot.channels.amazon.connector.AmazonConnector",
    "ebay": "orderpilot.channels.ebay.connector.EbayConnector",
    "gambio": "orderpilot.channels.gambio.connector.GambioConnector",
}


def connector_for(channel: Channel) -> ChannelConnector:
    try:
        path = CONNECTORS[channel.kind]
    except KeyError:
        raise ConfigurationError(f"no connector is installed for channel kind {channel.kind!r}") from None
    return resolve(path)(channel)

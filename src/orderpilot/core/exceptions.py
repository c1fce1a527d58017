"""The error hierarchy every service, connector and transport raises from.

Callers decide by class, never by message: a :class:`RetryableError` is tried again later with
backoff; a :class:`TerminalError` will not get better by retrying and goes to a person (ticket).
"""


class OrderPilotError(Exception):
    """Base class of all OrderPilot errors."""


class RetryableError(OrderPilotError):
    """A passing failure (network, 5xx, 429, lock timeout): try again later.

    :param retry_after: seconds the other side asked us to wait, if it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TerminalError(OrderPilotError):
    """A failure that retrying will not fix (4xx, invalid data): a person must look."""


class NotSupported(TerminalError):
    """The connector or transport does not offer this operation."""


class IllegalTransition(OrderPilotError):
    """An order was asked to move to a status its current status does not allow."""


class ConfigurationError(OrderPilotError):
    """Configuration is missing or invalid; the message names the key."""

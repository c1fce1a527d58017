"""The simulator's settings, fixed when the application is created."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import Credentials
from .generator import DEFAULT_SKUS


@dataclass(frozen=True)
class SimConfig:
    credentials: Credentials = Credentials()
    relaxed: bool = False  # True: no rate limits (benchmarks)
    transit_days: float = 2.0  # ship date → delivery, where an order has no delivery dates
    processing_seconds: float = 10.0  # how long a feed or requested report takes (simulator time)
    generate_every: float | None = None  # seconds between generated orders; None/0: off
    skus: tuple[str, ...] = DEFAULT_SKUS
    public_url: str | None = None  # base of the document URLs; None: the address the server listens on

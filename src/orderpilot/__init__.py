"""OrderPilot: order-to-cash automation for marketplace and shop merchants."""

__version__ = "0.1.0"

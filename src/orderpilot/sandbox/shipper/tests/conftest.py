from orderpilot.shipping.tests.conftest import order_factory  # noqa: F401 - shared fixture

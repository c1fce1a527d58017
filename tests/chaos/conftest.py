def pytest_configure(config):
    config.addinivalue_line(
        "markers", "chaos: the chaos run (tests/chaos): PostgreSQL, a private RabbitMQ node, minutes long"
    )

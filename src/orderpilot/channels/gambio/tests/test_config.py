"""A ``kind = "gambio"`` channel from the TOML configuration (CONTRACT.md §2) polls the simulator."""

import textwrap

from orderpilot.channels.models import Channel
from orderpilot.channels.services import poll_channel
from orderpilot.core.configuration.apply import apply_config_file
from orderpilot.orders.models import SalesOrder
from orderpilot.sandbox.gambio.errors import DEFAULT_PASSWORD, DEFAULT_USERNAME

from .conftest import gambio_order


def test_configured_gambio_channel_reads_its_login_from_the_environment(db, shop, monkeypatch, tmp_path):
    # given
    monkeypatch.setenv("GAMBIO_API_USER", DEFAULT_USERNAME)
    monkeypatch.setenv("GAMBIO_API_PASSWORD", DEFAULT_PASSWORD)
    config = tmp_path / "orderpilot.toml"
    config.write_text(textwrap.dedent(f"""\
        [[channels]]
        code = "shop-de"
        kind = "gambio"
        endpoint = "{shop.url}"
        username_env = "GAMBIO_API_USER"
        password_env = "GAMBIO_API_PASSWORD"
        [channels.settings]
        timezone = "Europe/Berlin"
        release_unpaid_prepayment = true
        awaiting_payment_status_ids = [1]
        parcel_service_ids = {{ DHL = 1 }}
        """))  # fmt: skip
    shop.add_order(gambio_order(paymentType={"title": "Vorkasse", "module": "moneyorder"}))
    # when
    report = apply_config_file(config)
    imported = poll_channel(Channel.objects.get(code="shop-de"))
    # then
    assert report.changes == ["channel shop-de: created"]
    assert imported == 1
    assert SalesOrder.objects.get().awaiting_marketplace is False  # release_unpaid_prepayment = true

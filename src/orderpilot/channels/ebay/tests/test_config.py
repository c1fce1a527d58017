"""A ``kind = "ebay"`` channel from the TOML configuration (CONTRACT.md §2) polls the simulator."""

import textwrap

from orderpilot.channels.models import Channel
from orderpilot.channels.services import poll_channel
from orderpilot.core.configuration.apply import apply_config_file
from orderpilot.sandbox.ebay.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN

from .conftest import ebay_order


def test_configured_ebay_channel_reads_its_credentials_from_the_environment(db, ebay_sim, monkeypatch, tmp_path):
    # given
    monkeypatch.setenv("EBAY_CLIENT_ID", DEFAULT_CLIENT_ID)
    monkeypatch.setenv("EBAY_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)
    monkeypatch.setenv("EBAY_REFRESH_TOKEN", DEFAULT_REFRESH_TOKEN)
    config = tmp_path / "orderpilot.toml"
    config.write_text(textwrap.dedent(f"""\
        [[channels]]
        code = "ebay-de"
        kind = "ebay"
        endpoint = "{ebay_sim.url}"
        client_id_env = "EBAY_CLIENT_ID"
        client_secret_env = "EBAY_CLIENT_SECRET"
        refresh_token_env = "EBAY_REFRESH_TOKEN"
        poll_interval = "5m"
        settings = {{ marketplace_id = "EBAY_DE", express_services = ["DE_UPSExpressSaver"] }}
        """))  # fmt: skip
    ebay_sim.add_order(ebay_order())
    # when
    report = apply_config_file(config)
    channel = Channel.objects.get(code="ebay-de")
    imported = poll_channel(channel)
    # then
    assert report.changes == ["channel ebay-de: created"]
    assert channel.settings["secret_env"] == {"client_id": "EBAY_CLIENT_ID", "client_secret": "EBAY_CLIENT_SECRET",
                                              "refresh_token": "EBAY_REFRESH_TOKEN"}  # fmt: skip
    assert channel.settings["express_services"] == ["DE_UPSExpressSaver"]
    assert imported == 1

"""``orderpilot sim gambio --port P`` (CONTRACT.md §1) serves the simulator, credentials from options."""

import httpx

from orderpilot.sandbox.ebay.tests.test_cli import running_sim


def test_cli_serves_the_gambio_simulator_with_credentials_from_its_options():
    # given
    with running_sim("gambio", {}, "username=cli@shop.example", "password=cli", "timezone=Europe/Vienna") as url:
        # when
        configured = httpx.get(f"{url}/api.php/v2/orders", auth=("cli@shop.example", "cli"))
        default = httpx.get(f"{url}/api.php/v2/orders", auth=("api@shop.example", "sim-gambio-password"))
    # then
    assert (configured.status_code, configured.json()) == (200, [])
    assert default.status_code == 401

"""The settings page's TOML download: the effective configuration, no secrets, and a clean round trip."""

from __future__ import annotations

import io
import tomllib

import pytest
from django.core.management import call_command

from orderpilot.channels.models import Channel
from orderpilot.shipping.models import Shipper

CONFIG = """
[company]
name = "Muster GmbH"
street = "Hauptstr. 1"
postal_code = "94032"
city = "Passau"
country = "DE"
vat_id = "DE123456789"
iban = "DE02120300000000202051"

[notifications]
smtp_url = "smtp://127.0.0.1:2525"
from = "shop@example.com"
review_request_after = "7d"

[[channels]]
code = "amazon-de"
kind = "amazon"
endpoint = "http://127.0.0.1:9101"
token_endpoint = "http://127.0.0.1:9101/auth/o2/token"
marketplace_ids = ["A1PA6795UKMFR9"]
refresh_token_env = "AMAZON_REFRESH_TOKEN"
client_id_env = "AMAZON_CLIENT_ID"
client_secret_env = "AMAZON_CLIENT_SECRET"
poll_interval = "5m"

[[products]]
sku = "MUG-01"
weight_g = 450
length_mm = 120
width_mm = 100
height_mm = 100

[[shippers]]
code = "warehouse"
kind = "in_house"
carrier = "DHL"
stock = { "MUG-01" = 100, "LAMP-02" = 0 }

[[shippers]]
code = "dhl-3pl"
transport = { kind = "folder", path = "/srv/3pl/outbox" }
format = "csv"
return_channel = { kind = "manual" }
max_weight_g = 31500
max_length_mm = 1200
services = ["standard", "express", "cod"]
price = [{ up_to_g = 2000, eur = "4.50" }, { up_to_g = 31500, eur = "9.90", countries = ["DE", "AT"] }]
transit_days = 1
confirmation_deadline = "24h"
carrier = "DHL"

[[shippers]]
code = "freight"
transport = { kind = "email", to = "dispo@freight.example", smtp_url = "smtp://127.0.0.1:2525" }
format = "pdf"
return_channel = { kind = "webhook", token_env = "FREIGHT_TOKEN" }

[[hold_rules]]
code = "buyer-note"
when = "buyer_note"

[[hold_rules]]
code = "big-order"
when = "total_above"
limit = "1500.00"
channels = ["amazon-de"]

[[hold_rules]]
code = "not-served"
when = "country_not_in"
countries = ["DE", "AT"]
active = false
"""


def apply(path) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("config", "apply", str(path), stdout=out, stderr=err)
    return out.getvalue()


@pytest.mark.django_db
def test_downloaded_configuration_applies_without_changes(admin_role_client, tmp_path):
    # given: a configuration applied from a file
    source = tmp_path / "source.toml"
    source.write_text(CONFIG)
    assert "no changes" not in apply(source)

    # when
    response = admin_role_client.get("/settings/config.toml")
    downloaded = tmp_path / "downloaded.toml"
    downloaded.write_bytes(response.content)
    output = apply(downloaded)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/toml; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orderpilot-config-')
    assert output.strip().splitlines()[-1] == "no changes"


@pytest.mark.django_db
def test_download_has_the_contract_shape_with_env_names_only(admin_role_client, tmp_path, monkeypatch):
    # given: the secrets are in the environment when the file is applied
    monkeypatch.setenv("AMAZON_REFRESH_TOKEN", "Atzr|very-secret-refresh")
    monkeypatch.setenv("AMAZON_CLIENT_SECRET", "client-secret-value")
    source = tmp_path / "source.toml"
    source.write_text(CONFIG)
    apply(source)

    # when
    text = admin_role_client.get("/settings/config.toml").content.decode()
    data = tomllib.loads(text)

    # then
    assert "very-secret-refresh" not in text
    assert "client-secret-value" not in text
    amazon = data["channels"][0]
    assert {k: amazon[k] for k in ("code", "kind", "endpoint", "token_endpoint", "marketplace_ids",
                                   "refresh_token_env", "client_id_env", "client_secret_env", "poll_interval")} == {
        "code": "amazon-de", "kind": "amazon", "endpoint": "http://127.0.0.1:9101",
        "token_endpoint": "http://127.0.0.1:9101/auth/o2/token", "marketplace_ids": ["A1PA6795UKMFR9"],
        "refresh_token_env": "AMAZON_REFRESH_TOKEN", "client_id_env": "AMAZON_CLIENT_ID",
        "client_secret_env": "AMAZON_CLIENT_SECRET", "poll_interval": "5m",
    }
    shippers = {s["code"]: s for s in data["shippers"]}
    assert shippers["dhl-3pl"]["price"] == [
        {"up_to_g": 2000, "eur": "4.50", "countries": []},
        {"up_to_g": 31500, "eur": "9.90", "countries": ["DE", "AT"]},
    ]
    assert shippers["dhl-3pl"]["confirmation_deadline"] == "1d"
    assert shippers["warehouse"]["stock"] == {"MUG-01": 100, "LAMP-02": 0}
    assert shippers["freight"]["return_channel"] == {"kind": "webhook", "token_env": "FREIGHT_TOKEN"}
    rules = {r["code"]: r for r in data["hold_rules"]}
    assert rules["big-order"] == {"code": "big-order", "when": "total_above", "limit": "1500.00",
                                  "channels": ["amazon-de"], "active": True}
    assert data["notifications"]["review_request_after"] == "7d"
    assert data["company"]["name"] == "Muster GmbH"


@pytest.mark.django_db
def test_passwords_in_shipper_urls_are_removed_and_named_in_the_header(admin_role_client):
    # given: a shipper configured with a password inside its FTP URLs and a plain password key
    Shipper.objects.create(
        code="ftp-3pl",
        transport={"kind": "ftp", "url": "ftp://user:s3cr3t-pass@127.0.0.1:2121/outbox", "password": "other-secret"},
        return_channel={"kind": "ftp", "url": "ftp://user:s3cr3t-pass@127.0.0.1:2121/confirmations"},
        document_format="csv",
    )
    Channel.objects.create(code="shop", kind="gambio", secrets={"api_key": "gambio-secret"})

    # when
    text = admin_role_client.get("/settings/config.toml").content.decode()

    # then
    assert "s3cr3t-pass" not in text
    assert "other-secret" not in text
    assert "gambio-secret" not in text
    shipper = tomllib.loads(text)["shippers"][0]
    assert shipper["transport"] == {"kind": "ftp", "url": "ftp://user@127.0.0.1:2121/outbox"}
    assert shipper["return_channel"] == {"kind": "ftp", "url": "ftp://user@127.0.0.1:2121/confirmations"}
    assert "# removed secret: shipper ftp-3pl transport.url (password in the URL)" in text
    assert "# removed secret: shipper ftp-3pl transport.password" in text
    assert "# removed secret: shipper ftp-3pl return_channel.url (password in the URL)" in text


@pytest.mark.django_db
def test_operator_gets_no_configuration(operator_client):
    # given
    Shipper.objects.create(code="ftp-3pl", transport={"kind": "ftp", "url": "ftp://u:pw@h/x"})

    # when
    response = operator_client.get("/settings/config.toml")

    # then
    assert response.status_code == 403
    assert b"ftp://" not in response.content

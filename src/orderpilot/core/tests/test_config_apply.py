"""``orderpilot config apply FILE.toml`` (CONTRACT.md §2): the full example, idempotence, refusals."""
# ruff: noqa: E501  (the CONTRACT.md example is kept verbatim, long comment lines included)

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from orderpilot.catalog.models import Product
from orderpilot.channels.models import Channel
from orderpilot.core.models import SystemSetting
from orderpilot.orders.models import HoldRule
from orderpilot.shipping.models import Shipper

PROJECT_DIR = Path(__file__).resolve().parents[4]

# CONTRACT.md §2, verbatim (comments included).
CONTRACT_EXAMPLE = textwrap.dedent(
    """\
    [[channels]]
    code = "amazon-de"            # unique, used in the API
    kind = "amazon"               # amazon | ebay | gambio
    endpoint = "http://127.0.0.1:9101"   # SP-API base URL (simulator or real region endpoint)
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
    code = "warehouse"            # in-house warehouse: confirmed in the packing view, API or return channel
    kind = "in_house"
    [[shippers]]
    code = "dhl-3pl"
    transport = { kind = "ftp", url = "ftp://user:pass@127.0.0.1:2121/outbox" }   # email | ftp | sftp | http | folder
    format = "csv"                # pdf | csv | xml | json | text (template)
    return_channel = { kind = "ftp", url = "ftp://user:pass@127.0.0.1:2121/confirmations" }  # imap | ftp | sftp | webhook | manual
    max_weight_g = 31500
    max_length_mm = 1200
    services = ["standard", "express", "cod"]
    price = [{ up_to_g = 2000, eur = "4.50" }, { up_to_g = 31500, eur = "9.90" }]
    transit_days = 1
    confirmation_deadline = "24h"
    carrier = "DHL"               # carrier named to the marketplace and in tracking links
    stock = "unlimited"           # or a table SKU -> quantity: stock = { "MUG-01" = 100, "LAMP-02" = 0 }
    [[shippers]]
    code = "freight"
    transport = { kind = "email", to = "dispo@freight.example", smtp_url = "smtp://127.0.0.1:2525" }
    format = "pdf"
    return_channel = { kind = "webhook", token_env = "FREIGHT_TOKEN" }   # token for POST /api/shipping/confirmations/

    [notifications]
    smtp_url = "smtp://127.0.0.1:2525"    # outgoing mail; from address below
    from = "shop@example.com"
    review_request_after = "7d"           # after delivery/invoice; "0s" sends at the next tick

    [company]                             # the seller, printed on invoices
    name = "Muster GmbH"
    street = "Hauptstr. 1"
    postal_code = "94032"
    city = "Passau"
    country = "DE"
    vat_id = "DE123456789"
    tax_number = "123/456/78901"
    iban = "DE02120300000000202051"

    [[hold_rules]]
    code = "buyer-note"
    when = "buyer_note"     # built-ins: buyer_note, gift_message, unknown_sku, no_shipper, address_incomplete, total_above, country_not_in, ...
    [[hold_rules]]
    code = "big-order"
    when = "total_above"
    limit = "1500.00"       # gross, in the order's currency
    [[hold_rules]]
    code = "not-served"
    when = "country_not_in"
    countries = ["DE", "AT"]
    """
)

SECRETS = {
    "AMAZON_REFRESH_TOKEN": "Atzr|refresh-SECRET-0815",
    "AMAZON_CLIENT_ID": "amzn1.application-oa2-client.CLIENT-ID-4711",
    "AMAZON_CLIENT_SECRET": "client-SECRET-value-1234",
    "FREIGHT_TOKEN": "freight-webhook-TOKEN-42",
}

VALID_SHIPPER = '[[shippers]]\ncode = "warehouse"\nkind = "in_house"\n'


@pytest.fixture
def contract_env(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def apply(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("config", "apply", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def raw_column(model, column: str, code: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE code = %s", [code])
        return cursor.fetchone()[0]


def nothing_configured() -> bool:
    return not (
        Channel.objects.exists()
        or Product.objects.exists()
        or Shipper.objects.exists()
        or HoldRule.objects.exists()
        or SystemSetting.objects.exists()
    )


# --- the full example -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_contract_example_creates_every_section(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    out, err = apply(path)

    # then
    assert out.splitlines() == [
        "company: created",
        "notifications: created",
        "channel amazon-de: created",
        "product MUG-01: created",
        "shipper warehouse: created",
        "shipper dhl-3pl: created",
        "shipper freight: created",
        "hold rule buyer-note: created",
        "hold rule big-order: created",
        "hold rule not-served: created",
        "10 change(s)",
    ]
    assert err == ""
    assert list(Channel.objects.values_list("code", flat=True)) == ["amazon-de"]
    assert list(Product.objects.values_list("sku", flat=True)) == ["MUG-01"]
    assert sorted(Shipper.objects.values_list("code", flat=True)) == ["dhl-3pl", "freight", "warehouse"]
    assert list(HoldRule.objects.order_by("code").values_list("code", flat=True)) == [
        "big-order",
        "buyer-note",
        "not-served",
    ]


@pytest.mark.django_db
def test_contract_example_channel_values(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    channel = Channel.objects.get(code="amazon-de")
    assert channel.kind == "amazon"
    assert channel.name == "amazon-de"
    assert channel.endpoint == "http://127.0.0.1:9101"
    assert channel.poll_interval == 300
    assert channel.active is True
    assert channel.settings == {
        "token_endpoint": "http://127.0.0.1:9101/auth/o2/token",
        "marketplace_ids": ["A1PA6795UKMFR9"],
        "secret_env": {
            "refresh_token": "AMAZON_REFRESH_TOKEN",
            "client_id": "AMAZON_CLIENT_ID",
            "client_secret": "AMAZON_CLIENT_SECRET",
        },
    }
    assert channel.secrets == {
        "refresh_token": SECRETS["AMAZON_REFRESH_TOKEN"],
        "client_id": SECRETS["AMAZON_CLIENT_ID"],
        "client_secret": SECRETS["AMAZON_CLIENT_SECRET"],
    }


@pytest.mark.django_db
def test_channel_secrets_are_encrypted_in_the_database(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    stored = raw_column(Channel, "secrets", "amazon-de")
    assert isinstance(stored, str)
    assert stored != ""
    for name in ("AMAZON_REFRESH_TOKEN", "AMAZON_CLIENT_ID", "AMAZON_CLIENT_SECRET"):
        assert SECRETS[name] not in stored
    assert "SECRET" not in stored
    assert "refresh_token" not in stored
    plain_settings = raw_column(Channel, "settings", "amazon-de")
    plain_settings = plain_settings if isinstance(plain_settings, str) else str(plain_settings)
    assert all(value not in plain_settings for value in SECRETS.values())


@pytest.mark.django_db
def test_contract_example_product_values(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    product = Product.objects.get(sku="MUG-01")
    assert (product.weight_g, product.length_mm, product.width_mm, product.height_mm) == (450, 120, 100, 100)
    assert product.active is True


@pytest.mark.django_db
def test_contract_example_external_shipper_values(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    dhl = Shipper.objects.get(code="dhl-3pl")
    assert dhl.kind == "external"
    assert dhl.carrier == "DHL"
    assert dhl.services == ["standard", "express", "cod"]
    assert dhl.max_weight_g == 31500
    assert dhl.max_length_mm == 1200
    assert dhl.max_width_mm is None
    assert dhl.price_table == [
        {"up_to_g": 2000, "eur": "4.50", "countries": []},
        {"up_to_g": 31500, "eur": "9.90", "countries": []},
    ]
    assert [Decimal(row["eur"]) for row in dhl.price_table] == [Decimal("4.50"), Decimal("9.90")]
    assert dhl.transit_days == 1
    assert dhl.confirmation_deadline == 86400
    assert dhl.stock == {"mode": "unlimited"}
    assert dhl.document_format == "csv"
    assert dhl.transport == {"kind": "ftp", "url": "ftp://user:pass@127.0.0.1:2121/outbox"}
    assert dhl.return_channel == {"kind": "ftp", "url": "ftp://user:pass@127.0.0.1:2121/confirmations"}
    assert dhl.webhook_token_hash == ""
    # the transport URLs carry a password: encrypted at rest as well
    assert "user:pass" not in raw_column(Shipper, "transport", "dhl-3pl")
    assert "user:pass" not in raw_column(Shipper, "return_channel", "dhl-3pl")


@pytest.mark.django_db
def test_contract_example_in_house_shipper_gets_the_defaults(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    warehouse = Shipper.objects.get(code="warehouse")
    assert warehouse.kind == "in_house"
    assert warehouse.transport is None
    assert warehouse.return_channel is None
    assert warehouse.document_format == ""
    assert warehouse.services == ["standard"]
    assert warehouse.price_table == []
    assert warehouse.stock == {"mode": "unlimited"}
    assert warehouse.confirmation_deadline == 86400
    assert warehouse.transit_days == 2


@pytest.mark.django_db
def test_webhook_token_is_stored_only_as_its_sha256(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    freight = Shipper.objects.get(code="freight")
    token = SECRETS["FREIGHT_TOKEN"]
    assert freight.webhook_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert freight.return_channel == {"kind": "webhook", "token_env": "FREIGHT_TOKEN"}
    assert freight.transport == {
        "kind": "email",
        "to": "dispo@freight.example",
        "smtp_url": "smtp://127.0.0.1:2525",
    }
    assert freight.document_format == "pdf"
    table = connection.ops.quote_name(Shipper._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE code = %s", ["freight"])
        row = cursor.fetchone()
    assert all(token not in str(value) for value in row)


@pytest.mark.django_db
def test_stock_table_is_stored_per_sku(tmp_path):
    # given
    path = write(
        tmp_path,
        '[[shippers]]\ncode = "warehouse"\nkind = "in_house"\nstock = { "MUG-01" = 100, "LAMP-02" = 0 }\n',
    )

    # when
    apply(path)

    # then
    assert Shipper.objects.get(code="warehouse").stock == {
        "mode": "table",
        "skus": {"MUG-01": 100, "LAMP-02": 0},
    }


@pytest.mark.django_db
def test_contract_example_company_and_notifications(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    company = SystemSetting.objects.get(key="company").value
    assert {k: company[k] for k in ("name", "street", "postal_code", "city", "country")} == {
        "name": "Muster GmbH",
        "street": "Hauptstr. 1",
        "postal_code": "94032",
        "city": "Passau",
        "country": "DE",
    }
    assert (company["vat_id"], company["tax_number"], company["iban"]) == (
        "DE123456789",
        "123/456/78901",
        "DE02120300000000202051",
    )
    notifications = SystemSetting.objects.get(key="notifications").value
    assert notifications["smtp_url"] == "smtp://127.0.0.1:2525"
    assert notifications["from"] == "shop@example.com"
    assert notifications["review_request_after"] == 7 * 86400
    from orderpilot.core.configuration.sections import company_settings, notification_settings

    assert notification_settings().from_address == "shop@example.com"
    assert notification_settings().review_request_after == 604800
    assert company_settings().vat_id == "DE123456789"


@pytest.mark.django_db
def test_contract_example_hold_rules(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    apply(path)

    # then
    rules = {r.code: (r.when, r.params, r.channels, r.active) for r in HoldRule.objects.all()}
    assert rules == {
        "buyer-note": ("buyer_note", {}, [], True),
        "big-order": ("total_above", {"limit": "1500.00"}, [], True),
        "not-served": ("country_not_in", {"countries": ["DE", "AT"]}, [], True),
    }


@pytest.mark.django_db
def test_missing_secret_environment_variable_is_a_warning_not_a_secret(tmp_path, monkeypatch):
    # given
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = write(tmp_path, CONTRACT_EXAMPLE)

    # when
    out, err = apply(path)

    # then
    assert "warning: channel amazon-de: environment variable AMAZON_CLIENT_ID is not set" in err
    assert "warning: shipper freight: environment variable FREIGHT_TOKEN is not set" in err
    assert Channel.objects.get(code="amazon-de").secrets == {}
    assert Shipper.objects.get(code="freight").webhook_token_hash == ""
    assert out.splitlines()[-1] == "10 change(s)"


# --- idempotence and updates ----------------------------------------------------------------------


@pytest.mark.django_db
def test_applying_the_same_file_twice_changes_nothing_the_second_time(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)
    apply(path)
    counts = (
        Channel.objects.count(),
        Product.objects.count(),
        Shipper.objects.count(),
        HoldRule.objects.count(),
    )

    # when
    out, _ = apply(path)

    # then
    assert out == "no changes\n"
    assert (
        (
            Channel.objects.count(),
            Product.objects.count(),
            Shipper.objects.count(),
            HoldRule.objects.count(),
        )
        == counts
        == (1, 1, 3, 3)
    )


@pytest.mark.django_db
def test_a_changed_value_is_reported_as_updated(tmp_path, contract_env):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)
    apply(path)
    changed = CONTRACT_EXAMPLE.replace('poll_interval = "5m"', 'poll_interval = "10m"').replace(
        "transit_days = 1", "transit_days = 3"
    )
    path.write_text(changed, encoding="utf-8")

    # when
    out, _ = apply(path)

    # then
    assert out.splitlines() == [
        "channel amazon-de: updated poll_interval",
        "shipper dhl-3pl: updated transit_days",
        "2 change(s)",
    ]
    assert Channel.objects.get(code="amazon-de").poll_interval == 600
    assert Shipper.objects.get(code="dhl-3pl").transit_days == 3
    assert Shipper.objects.count() == 3


@pytest.mark.django_db
def test_a_rotated_secret_is_updated_and_still_encrypted(tmp_path, contract_env, monkeypatch):
    # given
    path = write(tmp_path, CONTRACT_EXAMPLE)
    apply(path)
    monkeypatch.setenv("AMAZON_CLIENT_SECRET", "rotated-SECRET-5678")

    # when
    out, _ = apply(path)

    # then
    assert out.splitlines() == ["channel amazon-de: updated secrets", "1 change(s)"]
    assert Channel.objects.get(code="amazon-de").secrets["client_secret"] == "rotated-SECRET-5678"
    assert "rotated-SECRET-5678" not in raw_column(Channel, "secrets", "amazon-de")


# --- refusals: a clear error naming the key path, and nothing changed -----------------------------

BAD_FILES = {
    "unknown top-level key": ('colour = "red"\n', "colour: Extra inputs are not permitted"),
    "unknown invoice delivery": (
        '[[channels]]\ncode = "amazon-de"\nkind = "amazon"\nsettings = { invoice_delivery = "fax" }\n',
        'channels[0]: settings.invoice_delivery must be "feed" or "messaging", got \'fax\'',
    ),
    "invoice delivery on a shop": (
        '[[channels]]\ncode = "shop"\nkind = "gambio"\nsettings = { invoice_delivery = "messaging" }\n',
        "channels[0]: settings.invoice_delivery applies to Amazon channels only, not to 'gambio'",
    ),
    "typo in a shipper key": (
        VALID_SHIPPER + '[[shippers]]\ncode = "dhl"\nkind = "in_house"\nmax_weigth_g = 31500\n',
        "shippers[1].max_weigth_g: Extra inputs are not permitted",
    ),
    "wrong type": (
        VALID_SHIPPER + '[[shippers]]\ncode = "dhl"\nkind = "in_house"\nmax_weight_g = "heavy"\n',
        "shippers[1].max_weight_g: Input should be a valid integer",
    ),
    "float price": (
        VALID_SHIPPER
        + '[[shippers]]\ncode = "dhl"\nkind = "in_house"\nprice = [{ up_to_g = 2000, eur = 4.5 }]\n',
        'shippers[1].price[0].eur: write prices as strings, e.g. "4.50"',
    ),
    "invalid duration": (
        '[[channels]]\ncode = "shop"\nkind = "gambio"\npoll_interval = "5 minutes"\n' + VALID_SHIPPER,
        "channels[0].poll_interval: '5 minutes' is not a duration like '30s', '5m', '24h' or '7d'",
    ),
    "invalid confirmation deadline": (
        VALID_SHIPPER + '[[shippers]]\ncode = "dhl"\nkind = "in_house"\nconfirmation_deadline = "one day"\n',
        "shippers[1].confirmation_deadline: 'one day' is not a duration",
    ),
    "unknown key in a channel": (
        '[[channels]]\ncode = "shop"\nkind = "gambio"\nendpont = "http://shop.example"\n' + VALID_SHIPPER,
        "channels[0]: unknown key 'endpont'",
    ),
    "unknown hold rule condition": (
        VALID_SHIPPER + '[[hold_rules]]\ncode = "moon"\nwhen = "full_moon"\n',
        "hold_rules[0]: unknown condition 'full_moon'",
    ),
    "total_above without limit": (
        VALID_SHIPPER
        + '[[hold_rules]]\ncode = "buyer-note"\nwhen = "buyer_note"\n'
        + '[[hold_rules]]\ncode = "big"\nwhen = "total_above"\n',
        "hold_rules[1]: condition 'total_above' needs limit",
    ),
    "duplicate shipper codes": (
        VALID_SHIPPER + VALID_SHIPPER,
        "(file): shippers: code 'warehouse' appears twice",
    ),
    "external shipper without transport": (
        VALID_SHIPPER + '[[shippers]]\ncode = "dhl"\n',
        "shippers[1]: an external shipper needs a transport",
    ),
    "invalid TOML": (
        VALID_SHIPPER + "[[shippers]\ncode = \n",
        "(file): invalid TOML:",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_names_the_key_and_changes_nothing(tmp_path, case):
    # given
    text, expected = BAD_FILES[case]
    path = write(tmp_path, text)
    out = io.StringIO()

    # when
    with pytest.raises(CommandError) as excinfo:
        call_command("config", "apply", str(path), stdout=out)

    # then
    message = str(excinfo.value)
    assert message.startswith(f"{path}: configuration not applied, nothing changed:\n")
    assert f"  {expected}" in message
    assert out.getvalue() == ""
    assert nothing_configured()


@pytest.mark.django_db
def test_first_shipper_valid_second_invalid_leaves_zero_shippers(tmp_path):
    # given
    path = write(
        tmp_path,
        '[[products]]\nsku = "MUG-01"\nweight_g = 450\n'
        + VALID_SHIPPER
        + '[[shippers]]\ncode = "dhl"\ntransport = { kind = "folder", path = "/tmp/x" }\nmax_weight_g = "heavy"\n',
    )

    # when
    with pytest.raises(CommandError, match=r"shippers\[1\]\.max_weight_g"):
        call_command("config", "apply", str(path), stdout=io.StringIO())

    # then
    assert Shipper.objects.count() == 0
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_bad_file_leaves_an_earlier_configuration_untouched(tmp_path, contract_env):
    # given
    good = write(tmp_path, CONTRACT_EXAMPLE, "good.toml")
    apply(good)
    bad = write(
        tmp_path,
        CONTRACT_EXAMPLE.replace('poll_interval = "5m"', 'poll_interval = "1m"').replace(
            "max_length_mm = 1200", "max_length_mm = 1200\nmax_weigth_g = 5"
        ),
        "bad.toml",
    )

    # when
    with pytest.raises(CommandError, match=r"shippers\[1\]\.max_weigth_g: Extra inputs are not permitted"):
        call_command("config", "apply", str(bad), stdout=io.StringIO())

    # then
    assert Channel.objects.get(code="amazon-de").poll_interval == 300
    assert Shipper.objects.count() == 3


@pytest.mark.django_db
def test_several_problems_are_all_reported(tmp_path):
    # given
    path = write(
        tmp_path,
        '[[shippers]]\ncode = "a"\nkind = "in_house"\nmax_weight_g = "heavy"\n'
        '[[shippers]]\ncode = "b"\nkind = "in_house"\ntransit_days = -1\n',
    )

    # when
    with pytest.raises(CommandError) as excinfo:
        call_command("config", "apply", str(path), stdout=io.StringIO())

    # then
    message = str(excinfo.value)
    assert "  shippers[0].max_weight_g: Input should be a valid integer" in message
    assert "  shippers[1].transit_days: Input should be greater than or equal to 0" in message
    assert Shipper.objects.count() == 0


@pytest.mark.django_db
def test_missing_file_is_a_clear_error(tmp_path):
    # given
    path = tmp_path / "does-not-exist.toml"

    # when
    with pytest.raises(CommandError) as excinfo:
        call_command("config", "apply", str(path), stdout=io.StringIO())

    # then
    assert str(excinfo.value) == (
        f"{path}: configuration not applied, nothing changed:\n"
        f"  (file): cannot read {path}: No such file or directory"
    )
    assert nothing_configured()


# --- the real console script ----------------------------------------------------------------------


def subprocess_env() -> dict[str, str]:
    """The environment for ``orderpilot`` as a child process, pointed at this test's database."""
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env["DJANGO_SETTINGS_MODULE"] = "orderpilot.settings.test"
    if db["ENGINE"] == "django.db.backends.sqlite3":
        env["DATABASE_URL"] = f"sqlite:///{Path(db['NAME']).resolve()}"
    else:
        parts = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{db['NAME']}"))
    return env


def run_cli(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("orderpilot")
    return subprocess.run(
        [str(script), *args],
        cwd=PROJECT_DIR,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_console_script_applies_a_good_file_to_the_database(tmp_path):
    # given
    path = write(tmp_path, VALID_SHIPPER + '[[products]]\nsku = "MUG-01"\nweight_g = 450\n')

    # when
    result = run_cli("config", "apply", str(path))

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "product MUG-01: created",
        "shipper warehouse: created",
        "2 change(s)",
    ]
    assert list(Shipper.objects.values_list("code", flat=True)) == ["warehouse"]
    assert Product.objects.get(sku="MUG-01").weight_g == 450


@pytest.mark.django_db(transaction=True)
def test_console_script_refuses_a_bad_file_with_the_key_path(tmp_path):
    # given
    path = write(
        tmp_path,
        VALID_SHIPPER + '[[shippers]]\ncode = "dhl"\nkind = "in_house"\nmax_weight_g = "heavy"\n',
        "bad.toml",
    )

    # when
    result = run_cli("config", "apply", str(path))

    # then
    assert result.returncode != 0
    assert "configuration not applied, nothing changed" in result.stderr
    assert "shippers[1].max_weight_g: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert Shipper.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_while_applying_rolls_back_everything(tmp_path, contract_env, monkeypatch):
    # given a valid file, and a database that fails while the second shipper is written
    from django.db import IntegrityError

    from orderpilot.core.configuration import apply as apply_module

    written = []
    original = apply_module._apply_shipper

    def fail_on_second(config, report):
        if written:
            raise IntegrityError("simulated failure")
        written.append(config.code)
        original(config, report)

    monkeypatch.setattr(apply_module, "_apply_shipper", fail_on_second)
    path = write(tmp_path, CONTRACT_EXAMPLE)
    # when
    with pytest.raises(IntegrityError):
        apply_module.apply_config_file(path)
    # then the first shipper, the channel, products and settings written before it are gone too
    assert written == ["warehouse"]
    assert nothing_configured()


@pytest.mark.django_db
def test_invoicing_and_accounting_sections_are_validated_and_stored(tmp_path):
    # given
    from orderpilot.invoicing.settings import invoicing_settings
    from orderpilot.payments.settings import accounting_settings

    path = write(
        tmp_path,
        '[invoicing]\nnumber_pattern = "INV-{year}-{seq:05}"\n\n'
        '[accounting]\nconsultant_number = 1234567\nclient_number = 10001\nchart = "04"\n',
    )
    # when
    apply(path)
    # then
    assert invoicing_settings().number_pattern == "INV-{year}-{seq:05}"
    assert (accounting_settings().consultant_number, accounting_settings().chart) == (1234567, "04")


@pytest.mark.django_db
def test_a_wrong_accounting_chart_names_the_key(tmp_path):
    path = write(tmp_path, '[accounting]\nchart = "99"\n')
    with pytest.raises(CommandError) as raised:
        apply(path)
    assert "accounting.chart" in str(raised.value)
    assert SystemSetting.objects.filter(key="accounting").count() == 0

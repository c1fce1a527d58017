"""The shipper part of ``config apply``: stock feeds, templates, poll interval, secrets, token rotation."""

from __future__ import annotations

import hashlib
import tomllib

import pytest

from orderpilot.core.configuration.apply import apply_config
from orderpilot.core.configuration.schema import ConfigError, validate_config
from orderpilot.shipping.models import Shipper

pytestmark = pytest.mark.django_db

SHIPPER = """
[[shippers]]
code = "dhl-3pl"
carrier = "DHL"
format = "xml"
template = "<note>{{ delivery_note }}</note>"
stock = "feed"
poll_interval = "2m"
[shippers.transport]
kind = "sftp"
url = "sftp://ship@127.0.0.1:2222/outbox"
password_env = "OP_TEST_SFTP_PASSWORD"
host_key = "ssh-ed25519 AAAA"
[shippers.return_channel]
kind = "imap"
url = "imap://ship@127.0.0.1:143/INBOX"
password_env = "OP_TEST_IMAP_PASSWORD"
tracking_pattern = "TRK(?P<tracking>\\\\d+)"
"""


def _apply(text: str):
    return apply_config(validate_config(tomllib.loads(text)))


def test_shipper_templates_stock_feed_poll_interval_and_secrets(monkeypatch):
    # given
    monkeypatch.setenv("OP_TEST_SFTP_PASSWORD", "s3cret")
    monkeypatch.setenv("OP_TEST_IMAP_PASSWORD", "imap-s3cret")

    # when
    report = _apply(SHIPPER)

    # then
    assert report.changes == ["shipper dhl-3pl: created"]
    shipper = Shipper.objects.get()
    assert shipper.stock == {"mode": "feed"}
    assert shipper.document_template == "<note>{{ delivery_note }}</note>"
    assert shipper.poll_interval == 120
    assert shipper.transport["password"] == "s3cret"
    assert shipper.transport["password_env"] == "OP_TEST_SFTP_PASSWORD"
    assert shipper.return_channel["password"] == "imap-s3cret"
    assert shipper.return_channel["tracking_pattern"] == "TRK(?P<tracking>\\d+)"


def test_missing_secret_is_a_warning_not_a_value(monkeypatch):
    monkeypatch.delenv("OP_TEST_SFTP_PASSWORD", raising=False)
    monkeypatch.delenv("OP_TEST_IMAP_PASSWORD", raising=False)
    report = _apply(SHIPPER)
    assert report.warnings == [
        "shipper dhl-3pl: environment variable OP_TEST_SFTP_PASSWORD is not set",
        "shipper dhl-3pl: environment variable OP_TEST_IMAP_PASSWORD is not set",
    ]
    assert "password" not in Shipper.objects.get().transport


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('template = "{% for x in %}"', "shippers[0]: template: template error in line 1"),
        ('return_channel = { kind = "imap", url = "imap://x", tracking_pattern = "(" }',
         "shippers[0].return_channel: tracking_pattern: not a regular expression"),
        ('stock = "sometimes"', "shippers[0].stock"),
    ],
)
def test_bad_shipper_settings_are_refused_with_the_key(snippet, message):
    text = f'[[shippers]]\ncode = "x"\nkind = "in_house"\n{snippet}\n'
    with pytest.raises(ConfigError) as caught:
        validate_config(tomllib.loads(text))
    assert message in str(caught.value)


def test_token_rotation_keeps_the_previous_token_until_it_is_dropped(monkeypatch):
    # given: rotation in progress
    monkeypatch.setenv("OP_TEST_NEW", "new-token")
    monkeypatch.setenv("OP_TEST_OLD", "old-token")
    base = '[[shippers]]\ncode = "freight"\ntransport = { kind = "folder", path = "/tmp/x" }\n'
    rotation = 'previous_token_env = "OP_TEST_OLD"'
    _apply(base + f'return_channel = {{ kind = "webhook", token_env = "OP_TEST_NEW", {rotation} }}\n')
    rotating = Shipper.objects.get()

    # when: the rotation is finished
    _apply(base + 'return_channel = { kind = "webhook", token_env = "OP_TEST_NEW" }\n')
    finished = Shipper.objects.get()

    # then
    assert (rotating.webhook_token_hash, rotating.previous_webhook_token_hash) == (
        hashlib.sha256(b"new-token").hexdigest(), hashlib.sha256(b"old-token").hexdigest()
    )
    assert (finished.webhook_token_hash, finished.previous_webhook_token_hash) == (
        hashlib.sha256(b"new-token").hexdigest(), ""
    )

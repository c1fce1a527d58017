"""Digital signatures on Finances API calls of EU/UK sellers, checked by the simulator."""

import base64
import datetime as dt

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orderpilot.channels.ebay.gateway import EbayGateway
from orderpilot.channels.ebay.mapping import format_time
from orderpilot.channels.ebay.signing import load_private_key, signature_base, signed_headers
from orderpilot.channels.models import Channel
from orderpilot.core.exceptions import ConfigurationError, TerminalError
from orderpilot.sandbox.ebay.app import create_app
from orderpilot.sandbox.ebay.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from orderpilot.sandbox.ebay.control import serving

RECENT = format_time(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
JWE = "eyJ6aXAiOiJERUYiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiQTI1NkdDTUtXIn0.sim-signing-key"


def _key_pair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(private).decode(), public.decode()


@pytest.fixture
def eu_seller():
    """The simulator for a German seller: Finances calls must be signed with the registered key."""
    private, public = _key_pair()
    app = create_app(signing_keys={JWE: public})
    with serving(app) as url, httpx.Client(base_url=url) as control:
        yield url, private, control


def _channel(url: str, **secrets) -> Channel:
    return Channel.objects.create(
        code="ebay-de", kind="ebay", endpoint=url,
        secrets={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET,
                 "refresh_token": DEFAULT_REFRESH_TOKEN, **secrets},
    )  # fmt: skip


def test_signed_finances_calls_are_accepted(db, eu_seller):
    # given
    url, private, control = eu_seller
    control.post("/_sim/payouts", json={"transactions": [
        {"transactionType": "CREDIT", "amount": {"value": "3.00", "currency": "EUR"}}]})  # fmt: skip
    gateway = EbayGateway(_channel(url, signing_key_jwe=JWE, signing_private_key=private))
    # when
    payouts = gateway.get_payouts(payout_from="2020-01-01T00:00:00.000Z", offset=0)
    transactions = gateway.get_transactions(payout_id="7000000001", offset=0)
    # then
    assert [p["payoutId"] for p in payouts["payouts"]] == ["7000000001"]
    assert [t["transactionType"] for t in transactions["transactions"]] == ["CREDIT"]


def test_unsigned_and_wrongly_signed_calls_are_refused(db, eu_seller):
    # given a channel without a signing key and one with another seller's key
    url, _, _ = eu_seller
    other_private, _ = _key_pair()
    unsigned = EbayGateway(_channel(url))
    wrong = EbayGateway(Channel(code="ebay-x", kind="ebay", endpoint=url, secrets={
        "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "refresh_token": DEFAULT_REFRESH_TOKEN,
        "signing_key_jwe": JWE, "signing_private_key": other_private}))  # fmt: skip
    # when / then
    with pytest.raises(TerminalError) as missing:
        unsigned.get_payouts(payout_from="2020-01-01T00:00:00.000Z", offset=0)
    assert str(missing.value) == "getPayouts: 400 215001 Missing x-ebay-signature-key header to fulfill the request."
    with pytest.raises(TerminalError, match="getPayouts: 403 215122 Signature validation failed"):
        wrong.get_payouts(payout_from="2020-01-01T00:00:00.000Z", offset=0)
    # the Fulfillment API needs no signature
    assert unsigned.get_orders(modified_from=RECENT, offset=0)["total"] == 0


def test_half_a_signing_key_is_a_configuration_error(db):
    with pytest.raises(ConfigurationError, match="needs both signing_key_jwe and signing_private_key"):
        EbayGateway(_channel("http://127.0.0.1:1", signing_key_jwe=JWE))


def test_signature_base_and_headers_follow_ebays_scheme():
    # given
    private, _ = _key_pair()

    key = load_private_key(private)
    # when
    headers = signed_headers(method="GET", url="https://apiz.ebay.com/sell/finances/v1/payout?limit=20", body=None,
                             jwe=JWE, key=key, created=1683883448)  # fmt: skip
    # then
    components = '("x-ebay-signature-key" "@method" "@path" "@authority")'
    assert headers["Signature-Input"] == f"sig1={components};created=1683883448"
    assert headers["x-ebay-signature-key"] == JWE
    assert "content-digest" not in headers
    base = signature_base(method="GET", url="https://apiz.ebay.com/sell/finances/v1/payout?limit=20",
                          headers=headers, components=("x-ebay-signature-key", "@method", "@path", "@authority"),
                          created=1683883448)  # fmt: skip
    assert base == (
        f'"x-ebay-signature-key": {JWE}\n"@method": GET\n"@path": /sell/finances/v1/payout\n'
        f'"@authority": apiz.ebay.com\n"@signature-params": {components};created=1683883448'
    )
    signature = headers["Signature"].removeprefix("sig1=:").removesuffix(":")
    key.public_key().verify(base64.b64decode(signature), base.encode())  # raises unless it is the signature
    with_body = signed_headers(method="POST", url="https://apiz.ebay.com/x", body=b'{"a":1}', jwe=JWE, key=key,
                               created=1)  # fmt: skip
    assert with_body["content-digest"] == "sha-256=:AVq9f1zFei3ZS3WQ8ErYCEJzkF7jPsXOvq5iJ2qX+GI=:"
    assert with_body["Signature-Input"].startswith('sig1=("content-digest" "x-ebay-signature-key"')

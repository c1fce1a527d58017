"""The shippers' webhook (``POST /api/shipping/confirmations/``) under hostile bodies: wrong types,
huge values, unknown delivery notes, bad tokens. Always a 4xx with a reason, never a 500, and
nothing changed."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from orderpilot.core.outbox import deliver_due_messages
from orderpilot.shipping import webhook
from orderpilot.shipping.models import Package, Shipper, ShipperStock
from orderpilot.shipping.tests.conftest import make_order, route

TOKEN = "3pl-webhook-token-7c1d"
URL = "/api/shipping/confirmations/"

pytestmark = pytest.mark.django_db


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def shipment(channel, products, tmp_path):
    shipper = Shipper.objects.create(
        code="dhl-3pl",
        carrier="DHL",
        transport={"kind": "folder", "path": str(tmp_path / "outbox")},
        document_format="json",
        return_channel={"kind": "webhook"},
        price_table=[],
        stock={"mode": "feed"},
        webhook_token_hash=_hash(TOKEN),
    )
    ShipperStock.objects.create(shipper=shipper, sku="MUG-01", quantity=100, updated_at=timezone.now())
    shipment = route(make_order(channel))
    deliver_due_messages()
    shipment.refresh_from_db()
    assert shipment.status == "transmitted"
    return shipment


def _post(body, *, token: str = TOKEN, raw: bytes | None = None, content_type: str = "application/json"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    if raw is not None:
        return client.generic("POST", URL, raw, content_type=content_type)
    return client.post(URL, body, format="json")


def _unchanged(shipment) -> bool:
    shipment.refresh_from_db()
    return shipment.status == "transmitted" and Package.objects.count() == 0


BAD_BODIES = [
    ("a list", [1, 2, 3], 400),
    ("a string", "LS-1", 400),
    ("null", None, 400),
    ("tracking a list", {"shipment": "{number}", "tracking_number": ["A", "B"]}, 400),
    ("tracking a number", {"shipment": "{number}", "tracking_number": 12345678}, None),  # DRF reads it as text
    ("tracking with NUL", {"shipment": "{number}", "tracking_number": "TRACK\x000001"}, 400),
    ("tracking a formula", {"shipment": "{number}", "tracking_number": "=HYPERLINK(\"x\")"}, 400),
    ("tracking with markup", {"shipment": "{number}", "tracking_number": "<script>x</script>"}, 400),
    ("tracking 3 MB", {"shipment": "{number}", "tracking_number": "A" * 3_000_000}, 400),
    ("carrier 100 KB", {"shipment": "{number}", "tracking_number": "TRACK0001", "carrier": "D" * 100_000}, 400),
    ("shipment an object", {"shipment": {"$ne": ""}, "tracking_number": "TRACK0001"}, 400),
    ("neither shipment nor order", {"tracking_number": "TRACK0001"}, 400),
    ("unknown shipment", {"shipment": "LS-1999-999999", "tracking_number": "TRACK0001"}, 404),
    ("shipment 1 MB", {"shipment": "L" * 1_000_000, "tracking_number": "TRACK0001"}, 404),
    ("unknown order", {"order": "' OR 1=1 --", "tracking_number": "TRACK0001"}, 404),
    ("time in year 10000", {"shipment": "{number}", "tracking_number": "TRACK0001",
                            "shipped_at": "9999-12-31T23:59:59-05:00"}, 400),
    ("time in words", {"shipment": "{number}", "tracking_number": "TRACK0001", "shipped_at": "gestern"}, 400),
    ("time in the future", {"shipment": "{number}", "tracking_number": "TRACK0001",
                            "shipped_at": "2099-01-01T00:00:00Z"}, 400),
    ("lines not a list", {"shipment": "{number}", "tracking_number": "TRACK0001", "lines": "MUG-01"}, 400),
    ("line quantity huge", {"shipment": "{number}", "tracking_number": "TRACK0001",
                            "lines": [{"sku": "MUG-01", "quantity": 10**30}]}, 400),
    ("line quantity text", {"shipment": "{number}", "tracking_number": "TRACK0001",
                            "lines": [{"sku": "MUG-01", "quantity": "1"}]}, 400),
    ("line of an unknown SKU", {"shipment": "{number}", "tracking_number": "TRACK0001",
                                "lines": [{"sku": "NOPE", "quantity": 1}]}, 400),
    ("stock not a table", {"stock": ["MUG-01"]}, 400),
    ("stock quantity huge", {"stock": {"MUG-01": 10**30}}, 400),
    ("stock quantity a float", {"stock": {"MUG-01": 1.5}}, 400),
    ("stock SKU huge", {"stock": {"M" * 65: 1}}, 400),
]


def _fill(body, number: str):
    if isinstance(body, dict):
        return {k: _fill(v, number) for k, v in body.items()}
    return body.replace("{number}", number) if isinstance(body, str) else body


@pytest.mark.parametrize(("body", "status"), [(b, s) for _, b, s in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES])
def test_a_bad_body_is_refused_with_a_reason_and_changes_nothing(shipment, body, status):
    # when
    response = _post(_fill(body, shipment.number))

    # then
    if status is None:  # accepted as text, as JSON allows; the number is a valid tracking number
        assert response.status_code == 201
        return
    assert response.status_code == status, response.content[:300]
    if response["Content-Type"] == "application/json":
        assert response.json()  # a reason
    else:  # Django refused the body before anything read it: larger than DATA_UPLOAD_MAX_MEMORY_SIZE
        assert len(json.dumps(body)) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert _unchanged(shipment)
    assert list(ShipperStock.objects.values_list("sku", "quantity")) == [("MUG-01", 100)]


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"shipment": "x", "tracking_number": "A"' + b" " * 10, "application/json", 400),
        (b"\xff\xfe\x00{", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b"shipment=LS-1&tracking_number=T", "text/plain", 415),
        (b"<confirmation/>", "application/xml", 415),
    ],
    ids=["broken JSON", "cut off", "not UTF-8", "nested 100,000 deep", "text/plain", "XML"],
)
def test_a_body_that_is_not_json_is_refused(shipment, raw, content_type, status):
    response = _post(None, raw=raw, content_type=content_type)
    assert response.status_code == status
    assert _unchanged(shipment)


@pytest.mark.parametrize(
    "header",
    ["", "Token", "Token ", f"Bearer {TOKEN}", f"token {TOKEN}", f"Token {TOKEN} extra", "Token " + "x" * 100_000,
     f"Token {TOKEN[:-1]}", f"Token {TOKEN}\u00e9"],
)
def test_a_wrong_token_is_401_and_changes_nothing(shipment, header):
    client = APIClient()
    response = client.post(
        URL, {"shipment": shipment.number, "tracking_number": "TRACK0001"}, format="json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
    assert _unchanged(shipment)


def test_a_good_body_after_all_that_is_accepted(shipment):
    response = _post({"shipment": shipment.number, "tracking_number": "TRACK0001", "carrier": "DHL"})
    assert response.status_code == 201
    assert Package.objects.get().tracking_number == "TRACK0001"


def test_tokens_are_compared_in_constant_time_over_every_candidate(shipment, monkeypatch):
    # given: three shippers (with a rotation in progress), so there are five candidate hashes
    for code in ("b", "c"):
        Shipper.objects.create(
            code=code, carrier="DHL", transport={"kind": "folder", "path": f"/tmp/{code}"}, price_table=[],
            webhook_token_hash=_hash(f"{code}-new"), previous_webhook_token_hash=_hash(f"{code}-old"),
        )
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)

    # when: the first shipper's token, a later shipper's old token, and a wrong one are checked
    results = [webhook.shipper_for_token(f"Token {t}") for t in (TOKEN, "c-old", "wrong")]

    # then: each check compared against all five hashes, whether it matched early, late or never
    assert [s.code if s else None for s in results] == ["dhl-3pl", "c", None]
    assert len(compared) == 15
    assert all(len(a) == len(b) == 64 for a, b in compared)  # digests: the length tells nothing either


def test_a_rotated_token_keeps_working_until_the_rotation_ends(shipment):
    shipper = Shipper.objects.get(code="dhl-3pl")
    shipper.previous_webhook_token_hash, shipper.webhook_token_hash = shipper.webhook_token_hash, _hash("the-new-one")
    shipper.save()
    assert _post({"shipment": shipment.number, "tracking_number": "TRACK0001"}).status_code == 201
    assert _post({"shipment": shipment.number, "tracking_number": "TRACK0002"}, token="the-new-one").status_code == 201
    shipper.previous_webhook_token_hash = ""
    shipper.save()
    assert _post({"shipment": shipment.number, "tracking_number": "TRACK0003"}).status_code == 401

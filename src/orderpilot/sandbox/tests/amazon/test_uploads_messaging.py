"""Uploads API destinations (presigned S3 PUT with Content-MD5) and Messaging sendInvoice that takes only
uploads made for the order's invoice."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

from .conftest import DE, UK, de_order

ORDER = "302-1234567-7654321"
OTHER = "302-7654321-1234567"
RESOURCE = f"messaging/v1/orders/{ORDER}/messages/invoice"
CREATE = f"/uploads/2020-11-01/uploadDestinations/{RESOURCE}"
SEND = f"/messaging/v1/orders/{ORDER}/messages/invoice"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Page >> endobj\n%%EOF\n"


def _md5(content: bytes) -> str:
    return base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()


def _create(sim, models, headers, *, content: bytes = PDF, path: str = CREATE, marketplace: str = DE):
    response = sim.client.post(
        path,
        params={"marketplaceIds": marketplace, "contentMD5": _md5(content), "contentType": "application/pdf"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return models.validate("uploads_2020-11-01.createUploadDestinationForResource", response)["payload"]


def _send(sim, models, headers, destination_id: str, *, marketplace: str = DE):
    body = {"attachments": [{"uploadDestinationId": destination_id, "fileName": "RE-2026-000001.pdf"}]}
    response = sim.client.post(SEND, params={"marketplaceIds": marketplace}, json=body, headers=headers)
    return response.status_code, models.validate("messaging.sendInvoice", response)


def _messages(sim) -> list:
    return sim.client.get("/_sim/messages").json()["messages"]


def test_an_upload_destination_takes_the_file_whose_md5_was_declared(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    # when
    destination = _create(sim, models, headers)
    put = sim.client.put(destination["url"], content=PDF, headers=destination["headers"])
    # then: the model's shape (headers to send, a presigned URL valid 15 minutes) and the bytes are stored
    assert destination["headers"] == {"Content-MD5": _md5(PDF), "x-amz-server-side-encryption": "aws:kms"}
    query = parse_qs(urlsplit(destination["url"]).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-SignedHeaders"] == ["content-md5;host;x-amz-server-side-encryption"]
    assert put.status_code == 200
    assert put.headers["ETag"] == f'"{hashlib.md5(PDF, usedforsecurity=False).hexdigest()}"'
    assert sim.client.get(f"/_sim/uploads/{destination['uploadDestinationId']}").content == PDF


def test_a_body_that_does_not_match_the_declared_md5_is_refused_as_s3_does(sim, models):
    # given a destination declared for other bytes
    sim.post_order(de_order())
    headers = sim.auth()
    destination = _create(sim, models, headers, content=b"%PDF-1.7 another file")
    # when the PDF is put there, and once more with the PDF's own MD5 in place of the signed one
    wrong = sim.client.put(destination["url"], content=PDF, headers=destination["headers"])
    own_md5 = {**destination["headers"], "Content-MD5": _md5(PDF)}
    changed = sim.client.put(destination["url"], content=PDF, headers=own_md5)
    # then: 400 BadDigest; a changed signed header is a signature mismatch; nothing is stored
    assert wrong.status_code == 400
    assert b"<Code>BadDigest</Code>" in wrong.content
    assert changed.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in changed.content
    assert sim.client.get(f"/_sim/uploads/{destination['uploadDestinationId']}").status_code == 404
    # and sendInvoice does not take the destination
    status, body = _send(sim, models, headers, destination["uploadDestinationId"])
    assert (status, body["errors"][0]["code"]) == (400, "InvalidInput")
    assert body["errors"][0]["message"] == f"Attachment with ID {destination['uploadDestinationId']} does not exist"
    assert _messages(sim) == []


def test_an_md5_that_is_not_base64_is_accepted_at_creation_and_refused_at_upload(sim, models):
    # given a destination created with the hex digest (Amazon accepts it; amzn/selling-partner-api-models#325)
    sim.post_order(de_order())
    headers = sim.auth()
    hex_md5 = hashlib.md5(PDF, usedforsecurity=False).hexdigest()
    created = sim.client.post(CREATE, params={"marketplaceIds": DE, "contentMD5": hex_md5}, headers=headers)
    destination = models.validate("uploads_2020-11-01.createUploadDestinationForResource", created)["payload"]
    # when
    put = sim.client.put(destination["url"], content=PDF, headers=destination["headers"])
    # then
    assert (created.status_code, put.status_code) == (201, 400)
    assert b"<Code>InvalidDigest</Code>" in put.content


def test_the_upload_url_needs_its_signed_headers_and_expires_after_fifteen_minutes(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    destination = _create(sim, models, headers)
    # when
    unsigned = sim.client.put(destination["url"], content=PDF, headers={"Content-MD5": _md5(PDF)})
    sim.advance("15m1s")
    late = sim.client.put(destination["url"], content=PDF, headers=destination["headers"])
    # then
    assert unsigned.status_code == 403
    assert b"SignatureDoesNotMatch" in unsigned.content
    assert late.status_code == 403
    assert b"Request has expired" in late.content


def test_creating_a_destination_needs_marketplace_and_md5(sim, models):
    # given
    headers = sim.auth()
    key = "uploads_2020-11-01.createUploadDestinationForResource"
    # when
    no_md5 = sim.client.post(CREATE, params={"marketplaceIds": DE}, headers=headers)
    no_market = sim.client.post(CREATE, params={"contentMD5": _md5(PDF)}, headers=headers)
    # then
    assert (no_md5.status_code, no_market.status_code) == (400, 400)
    assert models.validate(key, no_md5)["errors"][0]["message"] == "contentMD5 is required."
    assert models.validate(key, no_market)["errors"][0]["message"] == (
        "marketplaceIds is required and takes exactly one marketplace id."
    )


def test_send_invoice_takes_only_uploads_made_for_this_orders_invoice(sim, models):
    # given uploads for another order, for another marketplace, one never uploaded, and an unknown id
    sim.post_order(de_order())
    sim.post_order(de_order(OTHER))
    headers = sim.auth()
    other_order = sim.upload(headers, PDF, resource=f"messaging/v1/orders/{OTHER}/messages/invoice")
    other_market = sim.upload(headers, PDF, resource=RESOURCE, marketplace=UK)
    never_uploaded = _create(sim, models, headers)["uploadDestinationId"]
    # when
    answers = {
        name: _send(sim, models, headers, destination_id)
        for name, destination_id in (
            ("unknown", "5d4e42b5-1d6e-44e8-a89c-2abfca0625bb"),
            ("other order", other_order),
            ("other marketplace", other_market),
            ("never uploaded", never_uploaded),
        )
    }
    # then every one is refused with Amazon's error, the reason in details, and nothing is recorded
    details = {name: body["errors"][0]["details"] for name, (_, body) in answers.items()}
    assert {status for status, _ in answers.values()} == {400}
    assert all(body["errors"][0]["message"].startswith("Attachment with ID ") for _, body in answers.values())
    assert details == {
        "unknown": "No upload destination has this id.",
        "other order": f"It was created for messaging/v1/orders/{OTHER}/messages/invoice, not for {RESOURCE}.",
        "other marketplace": "It was created for marketplace A1F83G8C2ARO7P.",
        "never uploaded": "Nothing was uploaded to it (or the upload was refused).",
    }
    assert _messages(sim) == []


def test_a_second_invoice_message_is_accepted_and_recorded_too(sim, models):
    # given (Amazon is not known to refuse it, so the simulator does not either: callers must not repeat)
    sim.post_order(de_order())
    headers = sim.auth()
    destination = sim.upload(headers, PDF, resource=RESOURCE)
    # when
    first = _send(sim, models, headers, destination)
    second = _send(sim, models, headers, destination)
    # then
    assert (first, second) == ((201, {}), (201, {}))
    assert len(_messages(sim)) == 2


def test_messaging_actions_offer_the_invoice_except_for_pending_orders(sim, models):
    # given
    sim.post_order(de_order())
    sim.post_order(de_order(OTHER, OrderStatus="Pending"))
    headers = sim.auth()
    key = "messaging.getMessagingActionsForOrder"
    # when
    unshipped = sim.client.get(f"/messaging/v1/orders/{ORDER}", params={"marketplaceIds": DE}, headers=headers)
    pending = sim.client.get(f"/messaging/v1/orders/{OTHER}", params={"marketplaceIds": DE}, headers=headers)
    wrong = sim.client.get(f"/messaging/v1/orders/{ORDER}", params={"marketplaceIds": UK}, headers=headers)
    unknown = sim.client.get("/messaging/v1/orders/999-0000000-0000000", params={"marketplaceIds": DE}, headers=headers)
    # then
    assert models.validate(key, unshipped)["_links"] == {
        "actions": [{"href": f"{SEND}?marketplaceIds={DE}", "name": "invoice"}],
        "self": {"href": f"/messaging/v1/orders/{ORDER}?marketplaceIds={DE}"},
    }
    assert models.validate(key, pending)["_links"]["actions"] == []
    assert models.validate(key, wrong)["errors"][0]["message"] == "Invalid marketplaceIds"
    assert unknown.status_code == 404
    assert models.validate(key, unknown)["errors"][0]["code"] == "NotFound"


def test_upload_destinations_follow_the_uploads_usage_plan(sim, models):
    # given: 0.1 requests per second, burst 5
    headers = sim.auth()
    params = {"marketplaceIds": DE, "contentMD5": _md5(PDF)}
    # when
    statuses = [sim.client.post(CREATE, params=params, headers=headers).status_code for _ in range(6)]
    sim.advance("10s")
    later = sim.client.post(CREATE, params=params, headers=headers)
    # then
    assert statuses == [201] * 5 + [429]
    assert later.status_code == 201
    assert later.headers["x-amzn-RateLimit-Limit"] == "0.1"

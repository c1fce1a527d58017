"""Uploads API 2020-11-01: ``createUploadDestinationForResource`` and the presigned S3 upload behind it.

``POST /uploads/2020-11-01/uploadDestinations/{resource}`` (``resource`` is a path such as
``messaging/v1/orders/{amazonOrderId}/messages/invoice``; ``marketplaceIds`` and ``contentMD5`` required,
``contentType`` optional) answers ``201 {"payload": {uploadDestinationId, url, headers}}`` as in the model's
example: the URL is presigned for 15 minutes (``X-Amz-Expires=900``) with ``Content-MD5`` and
``x-amz-server-side-encryption`` as signed headers, and ``headers`` holds both values.

The URL points at the simulator (``PUT /_s3/uploads/{uploadDestinationId}``), which answers as S3 does:
403 ``SignatureDoesNotMatch`` when a signed header is missing or changed, 403 ``AccessDenied`` once expired,
400 ``InvalidDigest`` when ``Content-MD5`` is not a base64 MD5, 400 ``BadDigest`` when the body's MD5 differs
from it. Amazon does not check the format of ``contentMD5`` when the destination is created
(amzn/selling-partner-api-models#325: a base64 of the hex digest was accepted, the upload then failed), and
neither does the simulator. Messaging (:mod:`.messaging`) takes a destination only once its bytes are there.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import uuid

from .documents import s3_error
from .errors import invalid_input
from .queryparams import query_list
from .routing import Call, Reply
from .state import UploadDestination

#: The example in the Uploads model: presigned for 900 seconds.
UPLOAD_URL_LIFETIME = dt.timedelta(minutes=15)
ENCRYPTION = "aws:kms"


def create_upload_destination(call: Call) -> Reply:
    resource = call.args["resource"].strip("/")
    if not resource:
        raise invalid_input("resource is required.", "e.g. messaging/v1/orders/{amazonOrderId}/messages/invoice")
    marketplaces = query_list(call.request, "marketplaceIds")
    if len(marketplaces) != 1:
        raise invalid_input("marketplaceIds is required and takes exactly one marketplace id.")
    content_md5 = call.request.args.get("contentMD5", "").strip()
    if not content_md5:
        raise invalid_input("contentMD5 is required.", "The base64-encoded MD5 of the file to upload.")
    destination = UploadDestination(
        upload_destination_id=str(uuid.UUID(int=call.sim.rng.getrandbits(128), version=4)),
        resource=resource,
        marketplace_id=marketplaces[0],
        content_md5=content_md5,
        content_type=call.request.args.get("contentType") or None,
        created_time=call.now,
    )
    call.sim.state.upload_destinations[destination.upload_destination_id] = destination
    headers = {"Content-MD5": content_md5, "x-amz-server-side-encryption": ENCRYPTION}
    url = call.sim.signer.url(
        call.base_url,
        f"/_s3/uploads/{destination.upload_destination_id}",
        method="PUT",
        now=call.now,
        headers=headers,
        lifetime=UPLOAD_URL_LIFETIME,
    )
    return Reply(
        201,
        {"payload": {"uploadDestinationId": destination.upload_destination_id, "url": url, "headers": headers}},
    )


def upload_to_destination(call: Call) -> Reply:
    """``PUT /_s3/uploads/{uploadDestinationId}``: stores the body once its MD5 is what was declared."""
    destination = call.sim.state.upload_destinations.get(call.args["uploadDestinationId"])
    if destination is None:
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    refusal = call.sim.signer.refusal(call)
    if refusal:
        return refusal
    body = call.request.get_data()
    try:
        declared = base64.b64decode(call.request.headers.get("Content-MD5", ""), validate=True)
    except (binascii.Error, ValueError):
        declared = b""
    if len(declared) != 16:
        return s3_error(400, "InvalidDigest", "The Content-MD5 you specified was not valid.")
    digest = hashlib.md5(body, usedforsecurity=False).digest()
    if digest != declared:
        return s3_error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
    destination.content = body
    destination.uploaded_content_type = call.request.headers.get("Content-Type", "")
    destination.uploaded = True
    return Reply(200, raw=b"", headers={"ETag": f'"{digest.hex()}"'})


def download_upload(call: Call) -> Reply:
    """``GET /_sim/uploads/{uploadDestinationId}``: the bytes uploaded there (test control)."""
    destination = call.sim.state.upload_destinations.get(call.args["uploadDestinationId"])
    if destination is None or not destination.uploaded:
        return Reply(404, {"error": f"nothing was uploaded to {call.args['uploadDestinationId']}"})
    content_type = destination.uploaded_content_type or destination.content_type or "application/octet-stream"
    return Reply(200, raw=destination.content, content_type=content_type)


def describe(destination: UploadDestination) -> dict[str, object]:
    """What ``/_sim/`` shows of an upload: where it was meant for, and what arrived (not the bytes)."""
    return {
        "uploadDestinationId": destination.upload_destination_id,
        "resource": destination.resource,
        "marketplaceId": destination.marketplace_id,
        "contentMD5": destination.content_md5,
        "contentType": destination.uploaded_content_type or destination.content_type,
        "uploaded": destination.uploaded,
        "size": len(destination.content),
        "sha256": hashlib.sha256(destination.content).hexdigest() if destination.uploaded else None,
    }

"""Report and feed documents behind presigned URLs the simulator serves itself (``/_s3/...``).

Like S3 presigned URLs they expire (five minutes of simulator time unless the URL says otherwise), need
no access token, and a request must carry the signed headers with the values they were signed with: a
feed upload the content type the document was created with, an Uploads API upload ``Content-MD5`` and
``x-amz-server-side-encryption`` (:mod:`.uploads`). The signature covers the lifetime and the list of
signed headers, so neither can be changed in the URL.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlencode

from .clock import format_timestamp, parse_timestamp
from .routing import Call, Reply
from .state import StoredDocument

URL_LIFETIME = dt.timedelta(minutes=5)


class DocumentSigner:
    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def _signature(self, method: str, path: str, date: str, expires: str, signed: str, values: list[str]) -> str:
        message = "\n".join((method, path, date, expires, signed, *values))
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    def url(
        self,
        base_url: str,
        path: str,
        *,
        method: str,
        now: dt.datetime,
        content_type: str = "",
        content_encoding: bool = False,
        headers: Mapping[str, str] | None = None,
        lifetime: dt.timedelta = URL_LIFETIME,
    ) -> str:
        """A presigned URL; ``content_type`` and ``headers`` are headers the request must carry as given."""
        required = {"content-type": content_type} if content_type else {}
        required.update({name.lower(): value for name, value in (headers or {}).items()})
        names = sorted([*required, "host"])
        signed = ";".join(names)
        expires = str(int(lifetime.total_seconds()))
        date = format_timestamp(now)
        values = [required[name] for name in names if name != "host"]
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": date,
            "X-Amz-Expires": expires,
            "X-Amz-SignedHeaders": signed,
            "X-Amz-Signature": self._signature(method, path, date, expires, signed, values),
        }
        if content_encoding:
            query["response-content-encoding"] = "gzip"
        return f"{base_url}{path}?{urlencode(query)}"

    def refusal(self, call: Call) -> Reply | None:
        """``None`` if the presigned URL of this call is valid now and the request carries the signed
        headers with their signed values, else S3's 403 answer."""
        args = call.request.args
        date, expires = args.get("X-Amz-Date", ""), args.get("X-Amz-Expires", "")
        signed = args.get("X-Amz-SignedHeaders", "")
        values = [call.request.headers.get(name, "") for name in signed.split(";") if name and name != "host"]
        expected = self._signature(call.request.method, call.request.path, date, expires, signed, values)
        if not hmac.compare_digest(expected, args.get("X-Amz-Signature", "")):
            return s3_error(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match."
            )
        if call.now > parse_timestamp(date) + dt.timedelta(seconds=int(expires)):
            return s3_error(403, "AccessDenied", "Request has expired")
        return None


def s3_error(status: int, code: str, message: str) -> Reply:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Reply(status, raw=xml.encode(), content_type="application/xml")


def download(call: Call, document: StoredDocument) -> Reply:
    """The stored bytes, gzipped when the document is compressed; with ``response-content-encoding``
    the gzip is declared as ``Content-Encoding`` so HTTP clients inflate it themselves."""
    if not document.compressed:
        return Reply(200, raw=document.content, content_type=document.content_type)
    # mtime=0 so that the same document always downloads as the same bytes.
    body = gzip.compress(document.content, mtime=0)
    headers = (
        {"Content-Encoding": "gzip"} if call.request.args.get("response-content-encoding") == "gzip" else {}
    )
    # S3 serves report documents without a charset (amzn/selling-partner-api-models#3025).
    return Reply(200, raw=body, content_type=document.content_type, headers=headers)

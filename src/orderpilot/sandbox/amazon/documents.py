"""Report and feed documents behind presigned URLs the simulator serves itself (``/_s3/...``).

Like S3 presigned URLs they expire after five minutes (simulator time), need no access token, and an
upload must use the content type the document was created with (it is part of the signature).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from .clock import format_timestamp, parse_timestamp
from .routing import Call, Reply
from .state import StoredDocument

URL_LIFETIME = dt.timedelta(minutes=5)


class DocumentSigner:
    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def _signature(self, method: str, path: str, date: str, content_type: str) -> str:
        message = "\n".join((method, path, date, content_type)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(
        self,
        base_url: str,
        path: str,
        *,
        method: str,
        now: dt.datetime,
        content_type: str = "",
        content_encoding: bool = False,
    ) -> str:
        date = format_timestamp(now)
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": date,
            "X-Amz-Expires": str(int(URL_LIFETIME.total_seconds())),
            "X-Amz-SignedHeaders": "content-type;host" if content_type else "host",
            "X-Amz-Signature": self._signature(method, path, date, content_type),
        }
        if content_encoding:
            query["response-content-encoding"] = "gzip"
        return f"{base_url}{path}?{urlencode(query)}"

    def refusal(self, call: Call, *, content_type: str = "") -> Reply | None:
        """``None`` if the presigned URL of this call is valid now, else S3's 403 answer."""
        args = call.request.args
        date = args.get("X-Amz-Date", "")
        expected = self._signature(call.request.method, call.request.path, date, content_type)
        if not hmac.compare_digest(expected, args.get("X-Amz-Signature", "")):
            return s3_error(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match."
            )
        if call.now > parse_timestamp(date) + URL_LIFETIME:
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

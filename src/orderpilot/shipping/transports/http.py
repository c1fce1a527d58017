"""HTTP API: POST the document (JSON, XML, PDF …) to the shipper's endpoint.

Config: ``url`` (and optional ``cancel_url``), auth either ``username`` + ``password`` (basic) or
``token`` with ``auth_header`` (default ``Authorization``) and ``auth_scheme`` (default ``Bearer``;
empty sends the bare token); secrets come from ``password_env``/``token_env``. Each request carries
``Idempotency-Key`` and the file name, so the receiver can drop a repeat. 5xx, 408, 429 and
timeouts are retried; other 4xx are terminal; 409 means the receiver already has the document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from orderpilot.core.exceptions import RetryableError, TerminalError
from orderpilot.core.http import ssl_context

from ..base import Document
from ..remote import timeout

RETRYABLE_STATUS = {408, 425, 429}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


class HttpTransport:
    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        cancelling = idempotency_key.endswith(":cancel")
        url = (config.get("cancel_url") if cancelling else None) or config.get("url", "")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise TerminalError(f"http transport needs an http(s) url, got scheme {parts.scheme!r}")
        if parts.username or parts.password:
            raise TerminalError("put http credentials in username/password_env or token_env, not in the url")
        headers = {
            "Content-Type": document.media_type,
            "Idempotency-Key": idempotency_key,
            "Content-Disposition": f'attachment; filename="{document.filename}"',
        }
        auth = None
        if config.get("token"):
            scheme = config.get("auth_scheme", "Bearer")
            headers[config.get("auth_header", "Authorization")] = f"{scheme} {config['token']}".strip()
        elif config.get("username"):
            auth = httpx.BasicAuth(config["username"], config.get("password", ""))
        try:
            response = httpx.post(
                url, content=document.content, headers=headers, auth=auth, timeout=timeout(config), verify=ssl_context()
            )
        except httpx.TimeoutException as exc:
            raise RetryableError(f"{parts.hostname}: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise RetryableError(f"{parts.hostname}: {type(exc).__name__}: {exc}") from exc
        summary = response.text[:500]
        if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
            raise RetryableError(f"{parts.hostname}: HTTP {response.status_code}", retry_after=_retry_after(response))
        if response.status_code == 409:
            return {"url": url, "status": 409, "duplicate": True, "response": summary}
        if response.status_code >= 400:
            raise TerminalError(f"{parts.hostname}: HTTP {response.status_code}: {summary}")
        return {"url": url, "status": response.status_code, "response": summary}

"""The outbox handler that sends an email over SMTP (settings: ``[notifications] smtp_url``).

A payload may carry attachments as references, ``{"kind": "invoice_pdf", "ref": "RE-2026-000001"}``,
never as bytes: the outbox row stays small and holds no document twice. Each kind names a resolver
in :data:`ATTACHMENT_RESOLVERS` that returns the file (name, content, media type) at send time.
"""

from __future__ import annotations

import smtplib
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend

from orderpilot.core.configuration.sections import notification_settings
from orderpilot.core.exceptions import RetryableError, TerminalError
from orderpilot.core.registry import resolve

#: Attachment kinds and the function that turns a reference into the file, in one place.
ATTACHMENT_RESOLVERS: dict[str, str] = {
    "invoice_pdf": "orderpilot.invoicing.documents.invoice_pdf_attachment",
}


class AttachmentFile(Protocol):
    filename: str
    content: bytes
    media_type: str


def resolve_attachment(reference: dict[str, str]) -> AttachmentFile:
    """The file an attachment reference points to; unknown kinds and missing files are terminal."""
    kind = reference.get("kind", "")
    if kind not in ATTACHMENT_RESOLVERS:
        raise TerminalError(f"unknown attachment kind {kind!r}")
    return resolve(ATTACHMENT_RESOLVERS[kind])(reference["ref"])


def smtp_connection(url: str) -> EmailBackend:
    """An SMTP connection for ``smtp://``, ``smtp+starttls://`` or ``smtps://user:pass@host:port``."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtp+starttls", "smtps"}:
        raise TerminalError(f"unsupported mail URL scheme {parts.scheme!r}")
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname or "localhost",
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=parts.scheme == "smtp+starttls",
        use_ssl=parts.scheme == "smtps",
        timeout=30,
        fail_silently=False,
    )


def deliver_email(message) -> dict[str, Any]:
    """Send the email described by ``message.payload`` (to, subject, text, html, attachments)."""
    settings = notification_settings()
    payload = message.payload
    # The Message-ID comes from the idempotency key, so a receiver can tell a repeat apart.
    message_id = f"<{message.idempotency_key.replace(':', '.')}@orderpilot>"
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["text"],
        from_email=payload.get("from") or settings.from_,
        to=[payload["to"]],
        headers={"Message-ID": message_id},
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    for reference in payload.get("attachments", ()):
        attachment = resolve_attachment(reference)
        email.attach(attachment.filename, attachment.content, attachment.media_type)
    connection = smtp_connection(settings.smtp_url) if settings.smtp_url else get_connection()
    try:
        connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        raise TerminalError(f"recipient refused: {exc.recipients}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise RetryableError(f"mail server: {exc}") from exc
    result: dict[str, Any] = {"message_id": message_id, "to": payload["to"]}
    if payload.get("attachments"):
        result["attachments"] = [ref["ref"] for ref in payload["attachments"]]
    return result

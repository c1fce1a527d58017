"""Email with the document attached (SMTP). The Message-ID is derived from the idempotency key, so
the shipper's mail system (and a person) can recognise a repeat of the same delivery."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from orderpilot.core.exceptions import RetryableError, TerminalError

from ..base import Document
from ..remote import timeout

SUBJECTS = {"cancel": "STORNO / Cancellation", "transmit": "Lieferschein / Delivery note"}


def message_id(idempotency_key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "orderpilot.invalid"
    local = re.sub(r"[^A-Za-z0-9.-]", ".", idempotency_key)
    return f"<{local}@{domain}>"


def default_sender() -> str:
    from django.conf import settings

    from orderpilot.core.configuration.sections import notification_settings

    return notification_settings().from_address or settings.DEFAULT_FROM_EMAIL


class EmailTransport:
    """Config: ``to`` (one address or a list), ``smtp_url`` (``smtp://``, ``smtp+starttls://`` or
    ``smtps://user:pass@host:port``; ``password`` from ``password_env`` overrides), optional ``from``."""

    def send(self, document: Document, config: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        recipients = config.get("to") or []
        recipients = [recipients] if isinstance(recipients, str) else list(recipients)
        if not recipients or not all("@" in r for r in recipients):
            raise TerminalError(f"email transport needs 'to' address(es), got {config.get('to')!r}")
        sender = config.get("from") or default_sender()
        action = idempotency_key.rpartition(":")[2]
        number = document.filename.split(".")[0].removesuffix("-cancel")
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = f"{SUBJECTS.get(action, SUBJECTS['transmit'])} {number}"
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = message_id(idempotency_key, sender)
        msg.set_content(f"{SUBJECTS.get(action, SUBJECTS['transmit'])} {number}: see attachment {document.filename}.\n")
        maintype, _, subtype = document.media_type.partition(";")[0].partition("/")
        msg.add_attachment(document.content, maintype=maintype, subtype=subtype, filename=document.filename)
        self._deliver(msg, config, sender=sender, recipients=recipients)
        return {"message_id": msg["Message-ID"], "to": recipients, "file": document.filename}

    @staticmethod
    def _deliver(msg: EmailMessage, config: dict[str, Any], *, sender: str, recipients: list[str]) -> None:
        parts = urlsplit(config.get("smtp_url") or "")
        if parts.scheme not in {"smtp", "smtp+starttls", "smtps"} or not parts.hostname:
            raise TerminalError(f"email transport needs smtp_url like smtp://host:port, got scheme {parts.scheme!r}")
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        username = unquote(parts.username or "")
        password = config.get("password") or unquote(parts.password or "")
        seconds = timeout(config)
        try:
            if parts.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    parts.hostname, port, timeout=seconds, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(parts.hostname, port, timeout=seconds)
            with client:
                if parts.scheme == "smtp+starttls":
                    client.starttls(context=ssl.create_default_context())
                if username:
                    client.login(username, password)
                client.send_message(msg, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise TerminalError(f"recipient(s) refused: {sorted(exc.recipients)}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise TerminalError(f"SMTP login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise TerminalError(f"mail server refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
            raise RetryableError(f"mail server: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"mail server {parts.hostname}:{port}: {type(exc).__name__}: {exc}") from exc

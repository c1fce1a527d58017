"""IMAP mailbox: mails from the shipper carry tracking numbers in subject, text or attachments.

Each mail is read without marking it (``BODY.PEEK``), then flagged ``\\Seen`` and moved to the done
folder (``done_folder``, default ``done``) or to ``quarantine_folder`` when it could not be read.
URL: ``imap://user:pass@host:port/INBOX`` (also ``imaps://`` and ``imap+starttls://``).
"""

from __future__ import annotations

import email
import email.policy
import html
import imaplib
import re
import socket
import ssl
from typing import Any

from orderpilot.core.exceptions import RetryableError, TerminalError

from ..base import Document, InboundItem
from ..remote import Remote, is_safe_name, parse_remote, timeout
from . import MAX_ITEM_BYTES
from .folders import outcome_folder

SCHEMES = {"imap", "imaps", "imap+starttls"}
PASSING = (OSError, socket.timeout, imaplib.IMAP4.abort, EOFError)
TAGS = re.compile(r"<[^>]+>")


def _connect(remote: Remote, config: dict[str, Any]) -> imaplib.IMAP4:
    seconds = timeout(config)
    if remote.scheme == "imaps":
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            remote.host, remote.port, ssl_context=ssl.create_default_context(), timeout=seconds
        )
    else:
        connection = imaplib.IMAP4(remote.host, remote.port, timeout=seconds)
        if remote.scheme == "imap+starttls":
            connection.starttls(ssl_context=ssl.create_default_context())
    try:
        connection.login(remote.username, remote.password)
    except imaplib.IMAP4.error as exc:
        connection.shutdown()
        raise TerminalError(f"{remote}: login refused") from exc
    return connection


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(connection: imaplib.IMAP4, remote: Remote) -> str:
    mailbox = remote.path.strip("/") or "INBOX"
    typ, _ = connection.select(_quote(mailbox))
    if typ != "OK":
        raise TerminalError(f"{remote}: no mailbox {mailbox!r}")
    _, data = connection.response("UIDVALIDITY")
    return (data[0] or b"0").decode() if data else "0"


def parse_mail(ref: str, raw: bytes) -> InboundItem:
    """Subject and readable text of a mail, and its attachments (names made safe)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("Subject", ""))
    texts = [subject]
    attachments = []
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename or part.get_content_disposition() == "attachment":
            name = filename if filename and is_safe_name(filename) else f"attachment-{number}"
            payload = part.get_payload(decode=True) or b""
            attachments.append(Document(filename=name, content=payload, media_type=content_type))
        elif content_type == "text/plain":
            texts.append(_text_of(part))
        elif content_type == "text/html":
            texts.append(html.unescape(TAGS.sub(" ", _text_of(part))))
    return InboundItem(
        ref=ref, name=subject[:200], content=raw, text="\n".join(texts), attachments=tuple(attachments), kind="mail"
    )


def _text_of(part) -> str:
    """A text part decoded by its declared charset; an unknown charset (``x-klingon``) is read as
    UTF-8 with replacement characters instead of failing the whole mailbox."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError):
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def read_mail(ref: str, raw: bytes) -> InboundItem:
    """:func:`parse_mail`, or an item for the quarantine when the mail cannot be parsed at all."""
    try:
        return parse_mail(ref, raw)
    except Exception as exc:  # a mail from outside must never stop the poll (it would come again)
        return InboundItem(ref=ref, name=f"mail {ref}", content=raw, kind="mail",
                           problem=f"the mail cannot be parsed: {type(exc).__name__}: {exc}"[:500])


class ImapMailbox:
    def fetch(self, config: dict[str, Any], *, limit: int) -> list[InboundItem]:
        remote = parse_remote(config, schemes=SCHEMES)
        try:
            connection = _connect(remote, config)
            try:
                validity = _select(connection, remote)
                _, data = connection.uid("SEARCH", None, "UNDELETED")
                uids = (data[0] or b"").split()[:limit]
                items = []
                for uid in uids:
                    ref = f"{validity}:{uid.decode()}"
                    _, size_data = connection.uid("FETCH", uid, "(RFC822.SIZE)")
                    size = re.search(rb"RFC822\.SIZE (\d+)", size_data[0] or b"")
                    if size and int(size.group(1)) > MAX_ITEM_BYTES:
                        items.append(InboundItem(ref=ref, name=f"mail {uid.decode()}", content=b"", kind="mail",
                                                 problem=f"larger than {MAX_ITEM_BYTES} bytes"))
                        continue
                    _, message_data = connection.uid("FETCH", uid, "(BODY.PEEK[])")
                    raw = next((part[1] for part in message_data if isinstance(part, tuple)), b"")
                    items.append(read_mail(ref, raw))
                return items
            finally:
                connection.logout()
        except imaplib.IMAP4.error as exc:
            raise RetryableError(f"{remote}: {exc}") from exc
        except PASSING as exc:
            raise RetryableError(f"{remote}: {type(exc).__name__}: {exc}") from exc

    def acknowledge(self, config: dict[str, Any], items: list[tuple[InboundItem, str]]) -> None:
        if not items:
            return
        remote = parse_remote(config, schemes=SCHEMES)
        try:
            connection = _connect(remote, config)
            try:
                validity = _select(connection, remote)
                can_move = "MOVE" in connection.capabilities
                created: set[str] = set()
                for item, outcome in items:
                    item_validity, _, uid = item.ref.partition(":")
                    if item_validity != validity:
                        continue  # the mailbox was rebuilt; the next poll sees the mail again
                    folder = outcome_folder(config, outcome)
                    if folder not in created:
                        connection.create(_quote(folder))  # NO if it exists: fine
                        created.add(folder)
                    connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                    if can_move:
                        typ, _ = connection.uid("MOVE", uid, _quote(folder))
                    else:
                        typ, _ = connection.uid("COPY", uid, _quote(folder))
                        if typ == "OK":
                            connection.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
                    if typ != "OK":
                        raise RetryableError(f"{remote}: cannot move mail {uid} to {folder}")
                if not can_move:
                    connection.expunge()
            finally:
                connection.logout()
        except imaplib.IMAP4.error as exc:
            raise RetryableError(f"{remote}: {exc}") from exc
        except PASSING as exc:
            raise RetryableError(f"{remote}: {type(exc).__name__}: {exc}") from exc

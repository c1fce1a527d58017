"""A logging filter that masks credentials in every line the configured handlers write.

The Selling Partner API library prints its request headers (with the access token) at DEBUG, and
an error message may quote a URL with a password. Log levels keep those lines out in normal
operation; this filter keeps the secrets out of them when someone turns on DEBUG to find a problem.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_PATTERNS = (
    # Login with Amazon: access tokens Atza|…, refresh tokens Atzr|…, restricted data tokens Atz.sprdt|…
    (re.compile(r"Atz[a-z.]*\|[^\s'\",;}&\]]+"), REDACTED),
    # LWA client secrets
    (re.compile(r"amzn1\.oa2-cs\.v1\.[A-Za-z0-9]+"), REDACTED),
    # header and form fields that carry a credential, in dicts, headers and query strings
    (
        re.compile(
            r"(?i)([\"']?(?:x-amz-access-token|authorization|client_secret|refresh_token|access_token"
            r"|password|passwd|api_token|webhook_token|metrics_token)[\"']?\s*[:=]\s*[\"']?)"
            r"(?:(?:Token|Bearer|Basic)\s+)?[^\s'\",;}&]+"
        ),
        r"\1" + REDACTED,
    ),
    # user:password@ in URLs
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Attach to a handler: rewrites the record's message (and traceback) with credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True

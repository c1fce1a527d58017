"""Outbound HTTP: one TLS configuration shared by every client.

Each new ``httpx.Client`` (also the one behind ``httpx.post``/``put``/``stream``) loads the CA bundle
into a fresh SSL context unless it is given one: about 50 ms of CPU. Outbox deliveries make their
clients per message (the SP-API library even makes two per API client), so that cost was paid for
every marketplace call and every delivery note. Pass ``verify=ssl_context()`` instead; an
``SSLContext`` may be shared by threads. ``SSL_CERT_FILE``/``SSL_CERT_DIR`` are honoured as httpx does.
"""

from __future__ import annotations

import functools
import os
import ssl


@functools.cache
def ssl_context() -> ssl.SSLContext:
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())

"""A standalone simulator of Amazon's Selling Partner API and Login-with-Amazon token endpoint.

``create_app()`` in :mod:`.app` returns a WSGI application with in-memory, thread-safe state. It speaks
the real paths, parameter names and JSON shapes (Orders v0 and v2026-01-01, Tokens, Reports, Feeds,
Solicitations, Messaging), enforces each operation's published rate limit, and offers test control
under ``/_sim/`` (see ``shared/spec/CONTRACT.md`` §4). It imports nothing from Django.
"""

"""The Gambio simulator: ``orderpilot sim gambio --port P``.

:func:`.app.create_app` returns a WSGI application speaking a Gambio GX shop's REST API v2 (orders, status
history, tracking codes, parcel services) with Basic authentication, plus the ``/_sim/`` test control of
CONTRACT.md §4. In-memory, thread-safe; it imports nothing from Django.
"""

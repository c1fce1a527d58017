"""The eBay simulator: ``orderpilot sim ebay --port P``.

:func:`.app.create_app` returns a WSGI application speaking eBay's OAuth refresh-token grant, the Sell
Fulfillment API (orders, shipping fulfillments) and the Sell Finances API (payouts, transactions) with
eBay's error model and daily call limits, plus the ``/_sim/`` test control of CONTRACT.md §4. In-memory,
thread-safe; it imports nothing from Django.
"""

"""eBay through the Sell Fulfillment API (orders, shipping fulfillments) and the Sell Finances API (payouts)."""

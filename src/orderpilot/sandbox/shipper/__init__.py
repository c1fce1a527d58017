"""The shipper (3PL) simulator: ``orderpilot sim shipper --port P``."""

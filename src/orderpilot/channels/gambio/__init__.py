"""Gambio GX shops through their REST API v2: orders, status history, tracking codes."""

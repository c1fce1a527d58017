"""Amazon through the Selling Partner API: read with Orders v2026-01-01, confirm with v0."""

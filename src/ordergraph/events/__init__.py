"""Outbox relay, subscription broker, webhook delivery (issue 6)."""

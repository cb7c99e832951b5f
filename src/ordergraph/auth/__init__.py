"""Credentials: API token generation and hashing, password hashing."""

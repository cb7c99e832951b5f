"""API tokens: high-entropy random secrets, stored only as SHA-256 digests.

A token has 256 bits of entropy, so a fast hash is enough (a slow password hash would only slow
every request); the digest is the lookup key, and the short prefix helps people tell tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets

from ordergraph.domain.principals import Role

TOKEN_PREFIX = "og"


def generate_token(role: Role) -> str:
    return f"{TOKEN_PREFIX}_{role.value[:2].lower()}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    return token[:12]

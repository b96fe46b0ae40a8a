"""Cookie tokens for server-side sessions (staff and reporter alike).

A cookie carries a random token and a random secret. The database keeps only
the SHA-256 of the token (to find the row) and whatever the secret seals;
neither the database nor the cookie alone opens it.
"""

from __future__ import annotations

import base64
import hashlib


def token_digest(token: str) -> str:
    """The row id for a cookie token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def b64(data: bytes) -> str:
    """URL-safe base64 without padding, for cookie values."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

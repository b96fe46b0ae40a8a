"""Ed25519 signatures over endorsement and revocation statements.

A staff member's signing key is derived from their HPKE private key (so it
is protected by the same password and changes when that key changes); the
trust anchor and the server's revocation key are Ed25519 keys of their own.
A statement is canonical JSON (sorted keys, no spaces) behind a domain
prefix, so a signature made for one purpose never verifies for another.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto.keys import PrivateKey

STATEMENT_DOMAIN = b"meldpunt-statement-v1\0"
SIGNING_INFO = b"meldpunt signing key v1"
SEED_LEN = 32


def signing_key_of(private_key: PrivateKey) -> Ed25519PrivateKey:
    """The staff member's Ed25519 key, derived from their HPKE private key."""
    seed = HKDF(algorithm=hashes.SHA256(), length=SEED_LEN, salt=None,
                info=SIGNING_INFO).derive(private_key.raw())
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seed_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def statement(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode()


def read_statement(data: bytes) -> dict[str, Any]:
    try:
        fields = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    return fields if isinstance(fields, dict) else {}


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(STATEMENT_DOMAIN + data)


def verify(public: bytes, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, STATEMENT_DOMAIN + data)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_code(public_key: bytes, signing_public: bytes) -> str:
    """What two people compare out of band before an endorsement: 80 bits
    of SHA-256 over the encryption and the signing key, in four groups of
    four characters (no 0/O or 1/I to misread)."""
    digest = hashlib.sha256(b"meldpunt-key-code-v1\0" + public_key + signing_public).digest()
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(16):
        number, index = divmod(number, 32)
        chars.append(alphabet[index])
    text = "".join(chars)
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def normalise_code(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(cleaned[i:i + 4] for i in range(0, len(cleaned), 4))

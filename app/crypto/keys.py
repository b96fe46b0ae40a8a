"""Staff and recovery key pairs (hybrid ML-KEM-768 + X25519), protected at
rest by a password through Argon2id, and sealed per session while signed in.

A private key is 96 bytes: the 64-byte ML-KEM-768 seed and the 32-byte X25519
scalar. A public key is the 1184-byte ML-KEM-768 encapsulation key followed by
the 32-byte X25519 point.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto.errors import DecryptionError, WrongPassphrase
from app.crypto.kdf import Argon2Params, argon2id

MLKEM_SEED_LEN = 64
X25519_LEN = 32
MLKEM_PUBLIC_LEN = 1184
PUBLIC_KEY_LEN = MLKEM_PUBLIC_LEN + X25519_LEN

PROTECTED_MAGIC = b"MPK1"
SEALED_MAGIC = b"MPS1"
SALT_LEN = 16
NONCE_LEN = 12


@dataclass(frozen=True)
class PrivateKey:
    """An unlocked private key. Never logged, never written in clear."""

    mlkem_key: mlkem.MLKEM768PrivateKey
    x25519_key: x25519.X25519PrivateKey

    def __repr__(self) -> str:
        return "<PrivateKey>"

    @property
    def hpke_key(self) -> hpke.MLKEM768X25519PrivateKey:
        return hpke.MLKEM768X25519PrivateKey(self.mlkem_key, self.x25519_key)

    def raw(self) -> bytes:
        return self.mlkem_key.private_bytes_raw() + self.x25519_key.private_bytes_raw()

    @classmethod
    def from_raw(cls, raw: bytes) -> PrivateKey:
        if len(raw) != MLKEM_SEED_LEN + X25519_LEN:
            raise DecryptionError("private key has the wrong length")
        return cls(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(raw[:MLKEM_SEED_LEN]),
            x25519.X25519PrivateKey.from_private_bytes(raw[MLKEM_SEED_LEN:]),
        )


def generate_keypair() -> PrivateKey:
    return PrivateKey(mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate())


def public_key_bytes(private_key: PrivateKey) -> bytes:
    return (
        private_key.mlkem_key.public_key().public_bytes_raw()
        + private_key.x25519_key.public_key().public_bytes_raw()
    )


def load_public_key(data: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(data) != PUBLIC_KEY_LEN:
        raise ValueError("public key has the wrong length")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(data[:MLKEM_PUBLIC_LEN]),
        x25519.X25519PublicKey.from_public_bytes(data[MLKEM_PUBLIC_LEN:]),
    )


def fingerprint(public: bytes) -> str:
    """SHA-256 of the public key, hex: how a wrap names the key it was made for."""
    return hashlib.sha256(public).hexdigest()


# --- protected by a password (at rest) -----------------------------------


def protect_private_key(private_key: PrivateKey, passphrase: str, params: Argon2Params) -> bytes:
    """magic | t | m | p | salt | nonce | AES-256-GCM(kek, raw key, AD=header)."""
    salt = os.urandom(SALT_LEN)
    header = PROTECTED_MAGIC + struct.pack(
        ">III", params.time_cost, params.memory_kib, params.parallelism
    ) + salt
    kek = argon2id(passphrase.encode("utf-8"), salt, params)
    nonce = os.urandom(NONCE_LEN)
    return header + nonce + AESGCM(kek).encrypt(nonce, private_key.raw(), header)


def unlock_private_key(blob: bytes, passphrase: str) -> PrivateKey:
    header_len = len(PROTECTED_MAGIC) + 12 + SALT_LEN
    if len(blob) < header_len + NONCE_LEN + 16 or not blob.startswith(PROTECTED_MAGIC):
        raise DecryptionError("not a protected private key")
    header = blob[:header_len]
    time_cost, memory_kib, parallelism = struct.unpack(">III", header[4:16])
    salt = header[16:]
    kek = argon2id(passphrase.encode("utf-8"), salt,
                   Argon2Params(time_cost, memory_kib, parallelism))
    nonce = blob[header_len : header_len + NONCE_LEN]
    try:
        raw = AESGCM(kek).decrypt(nonce, blob[header_len + NONCE_LEN :], header)
    except InvalidTag as exc:
        raise WrongPassphrase("the passphrase does not open this key") from exc
    return PrivateKey.from_raw(raw)


def protected_key_params(blob: bytes) -> Argon2Params:
    time_cost, memory_kib, parallelism = struct.unpack(">III", blob[4:16])
    return Argon2Params(time_cost, memory_kib, parallelism)


# --- sealed for one session (while signed in) -----------------------------


def new_session_secret() -> bytes:
    return os.urandom(32)


def _session_key(secret: bytes, session_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None,
        info=b"meldpunt session seal v1|" + session_id.encode(),
    ).derive(secret)


def seal_for_session(private_key: PrivateKey, secret: bytes, *, session_id: str) -> bytes:
    """The unlocked key, encrypted under a secret that only the cookie carries."""
    nonce = os.urandom(NONCE_LEN)
    ad = SEALED_MAGIC + session_id.encode()
    return SEALED_MAGIC + nonce + AESGCM(_session_key(secret, session_id)).encrypt(
        nonce, private_key.raw(), ad
    )


def open_from_session(blob: bytes, secret: bytes, *, session_id: str) -> PrivateKey:
    if not blob.startswith(SEALED_MAGIC) or len(blob) < len(SEALED_MAGIC) + NONCE_LEN + 16:
        raise DecryptionError("not a sealed session key")
    nonce = blob[4 : 4 + NONCE_LEN]
    ad = SEALED_MAGIC + session_id.encode()
    try:
        raw = AESGCM(_session_key(secret, session_id)).decrypt(nonce, blob[4 + NONCE_LEN :], ad)
    except InvalidTag as exc:
        raise DecryptionError("session key does not open") from exc
    return PrivateKey.from_raw(raw)

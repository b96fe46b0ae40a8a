"""Per-case data keys, encrypted content fields, and key wraps.

Every content field is AES-256-GCM under the case's random 256-bit key, with
associated data naming the case, the field and the format version: a
ciphertext copied to another case or field does not decrypt. The case key
exists only wrapped: with HPKE (RFC 9180) to each holder's public key and to
the recovery key, and with AES-GCM to the key derived from a receipt code.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DecryptionError, UnknownSuite
from app.crypto.keys import PrivateKey

FIELD_VERSION = 1
NONCE_LEN = 12
KEY_LEN = 32

# Stored with every wrap, so the algorithm can change later without
# guessing how an old wrap was made.
SUITE_ID = "hpke-v1:MLKEM768-X25519:HKDF-SHA256:AES-256-GCM"
SUITES = {
    SUITE_ID: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
}
SYMMETRIC_SUITE_ID = "aes-256-gcm-v1"


class CaseKey:
    """A case's data key. Its repr never shows the bytes."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_LEN:
            raise ValueError("a case key is 32 bytes")
        self._raw = bytes(raw)

    @property
    def raw(self) -> bytes:
        return self._raw

    def __repr__(self) -> str:
        return "<CaseKey>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CaseKey) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)


def new_case_key() -> CaseKey:
    return CaseKey(os.urandom(KEY_LEN))


def _field_ad(case_id: str, field: str, version: int) -> bytes:
    return b"\0".join([b"meldpunt-field", str(version).encode(), case_id.encode(), field.encode()])


def encrypt_field(key: CaseKey, plaintext: bytes, *, case_id: str, field: str) -> bytes:
    """version byte | nonce | AES-256-GCM(ciphertext + tag)."""
    nonce = os.urandom(NONCE_LEN)
    sealed = AESGCM(key.raw).encrypt(nonce, plaintext, _field_ad(case_id, field, FIELD_VERSION))
    return bytes([FIELD_VERSION]) + nonce + sealed


def decrypt_field(key: CaseKey, blob: bytes, *, case_id: str, field: str) -> bytes:
    if len(blob) < 1 + NONCE_LEN + 16 or blob[0] != FIELD_VERSION:
        raise DecryptionError("unknown field format")
    nonce = blob[1 : 1 + NONCE_LEN]
    try:
        return AESGCM(key.raw).decrypt(
            nonce, blob[1 + NONCE_LEN :], _field_ad(case_id, field, blob[0])
        )
    except InvalidTag as exc:
        raise DecryptionError(f"field {field!r} does not decrypt in this case") from exc


def encrypt_text(key: CaseKey, text: str, *, case_id: str, field: str) -> bytes:
    return encrypt_field(key, text.encode("utf-8"), case_id=case_id, field=field)


def decrypt_text(key: CaseKey, blob: bytes, *, case_id: str, field: str) -> str:
    return decrypt_field(key, blob, case_id=case_id, field=field).decode("utf-8")


def _wrap_info(case_id: str, recipient: str) -> bytes:
    return b"\0".join([b"meldpunt-case-key-v1", case_id.encode(), recipient.encode()])


def wrap_case_key(key: CaseKey, public_key: hpke.MLKEM768X25519PublicKey, *, case_id: str,
                  recipient: str, suite_id: str = SUITE_ID) -> bytes:
    """HPKE-encrypt the case key to one recipient, bound to case and recipient."""
    return SUITES[suite_id].encrypt(key.raw, public_key, info=_wrap_info(case_id, recipient))


def unwrap_case_key(blob: bytes, private_key: PrivateKey, *, case_id: str, recipient: str,
                    suite_id: str) -> CaseKey:
    suite = SUITES.get(suite_id)
    if suite is None:
        raise UnknownSuite(suite_id)
    try:
        raw = suite.decrypt(blob, private_key.hpke_key, info=_wrap_info(case_id, recipient))
    except Exception as exc:  # the binding raises InvalidTag or ValueError
        raise DecryptionError("wrap does not open with this key") from exc
    return CaseKey(raw)


def wrap_case_key_symmetric(key: CaseKey, kek: bytes, *, case_id: str, recipient: str) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(kek).encrypt(nonce, key.raw, _wrap_info(case_id, recipient))


def unwrap_case_key_symmetric(blob: bytes, kek: bytes, *, case_id: str,
                              recipient: str) -> CaseKey:
    if len(blob) < NONCE_LEN + 16:
        # A cut-off blob must fail like a tampered one, not as a crash.
        raise DecryptionError("wrap is too short")
    try:
        raw = AESGCM(kek).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:],
                                  _wrap_info(case_id, recipient))
    except InvalidTag as exc:
        raise DecryptionError("wrap does not open with this key") from exc
    return CaseKey(raw)

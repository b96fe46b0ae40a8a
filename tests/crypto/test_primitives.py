"""The small primitives in app.crypto give the standard outputs: HKDF-SHA256
(RFC 5869), the prepared HMAC-SHA256 (RFC 4231), and AES-GCM sealing that
opens only with the same key and context."""

from __future__ import annotations

import hmac
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DecryptionError
from app.crypto.kdf import hkdf_sha256
from app.crypto.mac import prepared_hmac_sha256
from app.crypto.secretbox import open_sealed, seal


def test_hkdf_sha256_gives_the_rfc_5869_test_vectors() -> None:
    ikm = b"\x0b" * 22
    okm = hkdf_sha256(ikm, bytes(range(0xF0, 0xFA)), 42, salt=bytes(range(13)))
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                         "34007208d5b887185865")
    assert hkdf_sha256(ikm, b"", 42).hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        "9d201395faa4b61a96c8")


def test_prepared_hmac_equals_the_standard_hmac_for_short_and_long_keys() -> None:
    assert prepared_hmac_sha256(b"Jefe")("what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    for key in (b"", b"\x01" * 32, b"\x02" * 64, b"\x03" * 100):
        mac = prepared_hmac_sha256(key)
        for text in ("", "ab" * 32, "één"):
            assert mac(text) == hmac.digest(key, text.encode(), "sha256").hex()


def test_a_sealed_secret_opens_with_its_key_and_context_only() -> None:
    key, other = os.urandom(32), os.urandom(32)
    blob = seal(key, b"JBSWY3DPEHPK3PXP", b"totp:7")
    assert open_sealed(key, blob, b"totp:7") == b"JBSWY3DPEHPK3PXP"
    for wrong_key, aad in ((other, b"totp:7"), (key, b"totp:8")):
        with pytest.raises(DecryptionError):
            open_sealed(wrong_key, blob, aad)
    # The stored format: a 12-byte nonce, then AES-GCM's ciphertext and tag.
    nonce = os.urandom(12)
    stored = nonce + AESGCM(key).encrypt(nonce, b"secret", b"totp:1")
    assert open_sealed(key, stored, b"totp:1") == b"secret"
    assert AESGCM(key).decrypt(blob[:12], blob[12:], b"totp:7") == b"JBSWY3DPEHPK3PXP"

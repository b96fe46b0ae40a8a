"""Receipt codes: the reporter's only way back to their report.

A code is 20 characters from a 31-character alphabet without look-alikes
(99 bits from `secrets`), written in five groups of four. The server keeps
only: a 4-byte HMAC tag of the code (to find candidate rows; 32 bits tell an
attacker nothing useful), a random salt, and an Argon2id-derived verifier.
The same Argon2id output, mixed with the server pepper from keys/, gives the
key that wraps the case key for the reporter.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import NewType

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto.kdf import Argon2Params, argon2id

ReceiptCode = NewType("ReceiptCode", str)

# No 0, O, 1, I or L: nothing that can be misread when written down.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters
GROUPS = 5
GROUP_LEN = 4
CODE_LEN = GROUPS * GROUP_LEN
SALT_LEN = 16
LOCATOR_BYTES = 4


def entropy_bits() -> float:
    return CODE_LEN * math.log2(len(ALPHABET))


def generate_receipt_code() -> ReceiptCode:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
    return ReceiptCode(
        "-".join(raw[i : i + GROUP_LEN] for i in range(0, CODE_LEN, GROUP_LEN))
    )


def normalise_receipt_code(text: str) -> ReceiptCode | None:
    """Accept any case, spaces and dashes; None when it can not be a code."""
    cleaned = "".join(ch for ch in text.upper() if not ch.isspace() and ch != "-")
    if len(cleaned) != CODE_LEN or any(ch not in ALPHABET for ch in cleaned):
        return None
    return ReceiptCode(
        "-".join(cleaned[i : i + GROUP_LEN] for i in range(0, CODE_LEN, GROUP_LEN))
    )


def receipt_locator(code: ReceiptCode, pepper: bytes) -> str:
    """A short tag that narrows the search to a few rows; not a verifier."""
    digest = hmac.new(pepper, b"locator|" + code.encode(), hashlib.sha256).digest()
    return digest[:LOCATOR_BYTES].hex()


# The sign-in throttle counts wrong codes per bucket: the top bits of the
# locator. A code's bucket is fixed by the server's pepper, so whoever does
# not hold the pepper can not choose which bucket a guess lands in.
LOCATOR_BUCKET_BITS = 10
LOCATOR_BUCKETS = 2**LOCATOR_BUCKET_BITS


def locator_bucket(locator: str) -> int:
    """The throttle bucket (0 .. LOCATOR_BUCKETS - 1) of a locator."""
    return int(locator, 16) >> (LOCATOR_BYTES * 8 - LOCATOR_BUCKET_BITS)


def form_token_digest(token: str, pepper: bytes) -> bytes:
    """The keyed hash under which a report form's send token is remembered
    (app/cases/intake.py): without the pepper (outside the database) a token
    found elsewhere can not be matched to a row."""
    return hmac.new(pepper, b"send-token|" + token.encode(), hashlib.sha256).digest()


# The Argon2id cost of a new receipt (SECURITY.md, "Receipt codes: the cost
# of a guess"): a code holds ~99 bits from `secrets`, far above the 64 bits
# NIST SP 800-63B asks of a look-up secret, which then needs no costly
# stretching; OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane) keeps a
# memory-hard step at a seventh of the staff-password cost. Every receipt
# stores its own parameters, so older receipts keep verifying with theirs.
RECEIPT_TIME_COST = 2
RECEIPT_MEMORY_KIB = 19 * 1024
RECEIPT_PARALLELISM = 1


def receipt_kdf_params() -> Argon2Params:
    return Argon2Params(RECEIPT_TIME_COST, RECEIPT_MEMORY_KIB, RECEIPT_PARALLELISM)


def new_receipt_salt() -> bytes:
    return os.urandom(SALT_LEN)


@dataclass(frozen=True)
class ReceiptSecrets:
    verifier: bytes
    kek: bytes

    def __repr__(self) -> str:
        return "<ReceiptSecrets>"


def _expand(stretched: bytes, pepper: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=pepper,
                info=b"meldpunt-receipt-v1|" + label).derive(stretched)


def derive_receipt_secrets(code: ReceiptCode, pepper: bytes, salt: bytes,
                           params: Argon2Params) -> ReceiptSecrets:
    stretched = argon2id(code.encode(), salt, params)
    return ReceiptSecrets(
        verifier=_expand(stretched, pepper, b"verifier"),
        kek=_expand(stretched, pepper, b"key-encryption-key"),
    )


def verify_receipt(code: ReceiptCode, pepper: bytes, salt: bytes, params: Argon2Params,
                   verifier: bytes) -> ReceiptSecrets | None:
    derived = derive_receipt_secrets(code, pepper, salt, params)
    return derived if hmac.compare_digest(derived.verifier, verifier) else None


@lru_cache(maxsize=4)
def _dummy_salt(_params: Argon2Params) -> bytes:
    return os.urandom(SALT_LEN)


def burn_time_like_verify(params: Argon2Params) -> None:
    """Spend the Argon2id work of a real check, so a code that does not exist
    answers as slowly as one that does."""
    argon2id(secrets.token_bytes(16), _dummy_salt(params), params)

"""TOTP second factor with replay protection, and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

from app.crypto.errors import DecryptionError
from app.crypto.secretbox import open_sealed, seal

ISSUER = "Meldpunt"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, rendered here (no external service)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                 title="QR-code")


def matching_step(secret: str, code: str, last_step: int | None,
                  now: float | None = None) -> int | None:
    """Return the time step the code belongs to, or None.

    One step of clock drift either way is accepted; a step at or before the
    last accepted one is refused, so a code can never be used twice.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def encrypt_secret(secret: str, key: bytes, user_id: int) -> bytes:
    return seal(key, secret.encode(), f"totp:{user_id}".encode())


def decrypt_secret(blob: bytes, key: bytes, user_id: int) -> str:
    try:
        return open_sealed(key, blob, f"totp:{user_id}".encode()).decode()
    except DecryptionError as exc:
        raise ValueError("TOTP secret can not be decrypted") from exc


def new_recovery_codes() -> list[str]:
    def one() -> str:
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    return [one() for _ in range(RECOVERY_CODE_COUNT)]


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch in _RECOVERY_ALPHABET)


def recovery_code_hash(code: str, key: bytes, user_id: int) -> str:
    message = f"{user_id}:{normalise_recovery_code(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

"""Password verifiers (Argon2id) and the password policy."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.config import PasswordHashParams
from app.crypto.kdf import admitted
from app.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 256


class PasswordPolicyError(Invalid, ValueError):
    """The chosen password is not acceptable; str() is a user-facing reason key."""

    area = "password"


def hasher(params: PasswordHashParams) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
    )


def hash_password(password: str, params: PasswordHashParams) -> str:
    with admitted(params.memory_kib):
        return hasher(params).hash(password)


def verify_password(stored_hash: str, password: str, params: PasswordHashParams) -> bool:
    try:
        # The stored hash's own cost (an older hash may differ) is what runs;
        # admission counts the current one, which rehashing converges to.
        with admitted(params.memory_kib):
            return hasher(params).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, params: PasswordHashParams) -> bool:
    return hasher(params).check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def _dummy_hash(params: PasswordHashParams) -> str:
    return hash_password(secrets.token_urlsafe(16), params)


def burn_verify_time(params: PasswordHashParams) -> None:
    """Spend what a real verification costs, so an unknown e-mail address
    answers as slowly as a known one."""
    verify_password(_dummy_hash(params), secrets.token_urlsafe(16), params)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("app").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str, *, email: str = "") -> None:
    """Raise PasswordPolicyError with a reason code when the password is refused."""
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError("too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError("too_long")
    lowered = password.lower()
    stripped = re.sub(r"[\d\W_]+$", "", lowered)
    common = common_passwords()
    if lowered in common or stripped in common or _is_repetitive(lowered):
        raise PasswordPolicyError("too_common")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        raise PasswordPolicyError("contains_email")


def _is_repetitive(password: str) -> bool:
    if len(set(password)) < 5:
        return True
    # "abcabcabcabc", "123412341234"
    for size in range(1, len(password) // 2 + 1):
        unit = password[:size]
        if unit * (len(password) // size) == password[: size * (len(password) // size)] and (
            len(password) // size >= 3
        ):
            return True
    return False


def generate_temporary_password() -> str:
    """A random initial password (about 120 bits) that the user must change."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(4))

"""The password policy and the Argon2id verifier."""

from __future__ import annotations

import pytest

from app.accounts.passwords import (
    PasswordPolicyError,
    check_password_policy,
    generate_temporary_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.config import PasswordHashParams

CHEAP = PasswordHashParams(time_cost=1, memory_kib=1024, parallelism=1)


@pytest.mark.parametrize(("password", "reason"), [
    ("", "too_short"),
    ("elevenchars", "too_short"),
    ("x" * 257, "too_long"),
    ("password1234", "too_common"),
    ("Password1234!", "too_common"),
    ("qwerty123456", "too_common"),
    ("Welkom2024!!!!", "too_common"),
    ("aaaaaaaaaaaaaaaa", "too_common"),
    ("abcabcabcabcabc", "too_common"),
    ("my name is jan.jansen and more", "contains_email"),
])
def test_refused_passwords(password: str, reason: str) -> None:
    with pytest.raises(PasswordPolicyError) as refused:
        check_password_policy(password, email="Jan.Jansen@example.test")
    assert str(refused.value) == reason


@pytest.mark.parametrize("password", [
    "correct horse battery staple",
    "Tw33 koffie en een stroopwafel",
    "twelve chars",
])
def test_accepted_passwords(password: str) -> None:
    check_password_policy(password, email="jan.jansen@example.test")


def test_argon2id_verifier_and_rehash_when_parameters_change() -> None:
    stored = hash_password("correct horse battery staple", CHEAP)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery staple", CHEAP)
    assert not verify_password(stored, "correct horse battery stapler", CHEAP)
    assert not verify_password("not a hash", "whatever", CHEAP)
    assert not needs_rehash(stored, CHEAP)
    assert needs_rehash(stored, PasswordHashParams(time_cost=2, memory_kib=1024, parallelism=1))


def test_production_defaults_are_at_least_rfc_9106_second_recommendation() -> None:
    from app.config import Settings

    defaults = Settings()
    # Receipt codes (99 random bits) have their own, lower cost since issue
    # #26: tests/crypto/test_receipt_cost.py holds it to OWASP's minimum.
    params = defaults.key_derivation
    assert params.memory_kib >= 64 * 1024 and params.time_cost >= 3
    assert defaults.receipt_derivation.memory_kib >= 19 * 1024
    assert defaults.receipt_derivation.time_cost >= 2
    assert defaults.password_hash.memory_kib >= 64 * 1024
    assert defaults.password_hash.time_cost >= 3


def test_sign_in_rehashes_a_verifier_made_with_old_parameters(client, session, make_staff):
    from app.models import User
    from tests.conftest import sign_in

    staff = make_staff("intake")
    user = session.get(User, staff.user.id)
    user.password_hash = hash_password(staff.password, PasswordHashParams(1, 512, 1))
    session.commit()
    sign_in(client, staff)
    session.expire_all()
    user = session.get(User, staff.user.id)
    assert "m=1024" in user.password_hash and verify_password(user.password_hash,
                                                               staff.password, CHEAP)


def test_temporary_passwords_are_random_and_pass_the_policy() -> None:
    made = {generate_temporary_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        check_password_policy(password)


def test_sign_in_reprotects_a_private_key_made_with_old_parameters(client, session, settings,
                                                                   make_staff):
    from app.crypto.kdf import Argon2Params
    from app.crypto.keys import (
        protect_private_key,
        protected_key_params,
        public_key_bytes,
        unlock_private_key,
    )
    from app.models import User
    from tests.conftest import sign_in

    staff = make_staff("intake")
    user = session.get(User, staff.user.id)
    private = unlock_private_key(user.private_key_protected, staff.password)
    user.private_key_protected = protect_private_key(private, staff.password,
                                                     Argon2Params(1, 512, 1))
    session.commit()
    sign_in(client, staff)
    session.commit()
    session.expire_all()
    user = session.get(User, staff.user.id)
    assert protected_key_params(user.private_key_protected) == settings.key_derivation
    assert public_key_bytes(unlock_private_key(user.private_key_protected, staff.password)) == (
        user.public_key)

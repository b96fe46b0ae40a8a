"""Content fields under the per-case key, and key wraps: tampering, moving a
ciphertext to another case or field, or unwrapping with another key fails."""

from __future__ import annotations

import pytest

from app.crypto.envelope import (
    SUITE_ID,
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    new_case_key,
    unwrap_case_key,
    unwrap_case_key_symmetric,
    wrap_case_key,
    wrap_case_key_symmetric,
)
from app.crypto.errors import CryptoError, DecryptionError, UnknownSuite, WrongPassphrase
from app.crypto.kdf import Argon2Params
from app.crypto.keys import (
    generate_keypair,
    load_public_key,
    new_session_secret,
    open_from_session,
    protect_private_key,
    protected_key_params,
    public_key_bytes,
    seal_for_session,
    unlock_private_key,
)

CHEAP = Argon2Params(time_cost=1, memory_kib=1024, parallelism=1)
TEXT = "De teamleider maakt opmerkingen over mijn afkomst."


def _flip(blob: bytes, index: int) -> bytes:
    changed = bytearray(blob)
    changed[index] ^= 0x01
    return bytes(changed)


def test_field_round_trip_and_no_plaintext_in_ciphertext():
    key = new_case_key()
    blob = encrypt_text(key, TEXT, case_id="MP-AAAA-BBBB", field="report")
    assert TEXT.encode() not in blob
    assert decrypt_text(key, blob, case_id="MP-AAAA-BBBB", field="report") == TEXT
    # A fresh nonce each time: equal plaintexts do not give equal ciphertexts.
    assert blob != encrypt_text(key, TEXT, case_id="MP-AAAA-BBBB", field="report")


def test_every_flipped_byte_of_a_field_fails():
    key = new_case_key()
    blob = encrypt_field(key, TEXT.encode(), case_id="MP-AAAA-BBBB", field="report")
    for index in range(len(blob)):
        with pytest.raises(DecryptionError):
            decrypt_field(key, _flip(blob, index), case_id="MP-AAAA-BBBB", field="report")
    with pytest.raises(DecryptionError):
        decrypt_field(key, blob[:-1], case_id="MP-AAAA-BBBB", field="report")
    with pytest.raises(DecryptionError):
        decrypt_field(key, blob[:10], case_id="MP-AAAA-BBBB", field="report")


def test_a_field_moved_to_another_case_or_field_fails():
    key = new_case_key()
    blob = encrypt_field(key, TEXT.encode(), case_id="MP-AAAA-BBBB", field="report")
    with pytest.raises(DecryptionError):
        decrypt_field(key, blob, case_id="MP-CCCC-DDDD", field="report")
    with pytest.raises(DecryptionError):
        decrypt_field(key, blob, case_id="MP-AAAA-BBBB", field="identity")
    with pytest.raises(DecryptionError):
        decrypt_field(key, blob, case_id="MP-AAAA-BBBB", field="message:7")
    with pytest.raises(DecryptionError):
        decrypt_field(new_case_key(), blob, case_id="MP-AAAA-BBBB", field="report")


def test_the_format_version_is_bound_too():
    key = new_case_key()
    blob = encrypt_field(key, b"x", case_id="MP-A", field="report")
    with pytest.raises(DecryptionError):
        decrypt_field(key, bytes([blob[0] + 1]) + blob[1:], case_id="MP-A", field="report")


def test_wrap_opens_for_its_recipient_only():
    key = new_case_key()
    alice, bob = generate_keypair(), generate_keypair()
    wrapped = wrap_case_key(key, load_public_key(public_key_bytes(alice)), case_id="MP-A",
                            recipient="user:1")
    assert key.raw not in wrapped
    assert unwrap_case_key(wrapped, alice, case_id="MP-A", recipient="user:1",
                           suite_id=SUITE_ID) == key
    with pytest.raises(DecryptionError):
        unwrap_case_key(wrapped, bob, case_id="MP-A", recipient="user:1", suite_id=SUITE_ID)
    # Bound to the case and the recipient: a wrap copied to another row fails.
    with pytest.raises(DecryptionError):
        unwrap_case_key(wrapped, alice, case_id="MP-B", recipient="user:1", suite_id=SUITE_ID)
    with pytest.raises(DecryptionError):
        unwrap_case_key(wrapped, alice, case_id="MP-A", recipient="user:2", suite_id=SUITE_ID)
    with pytest.raises(DecryptionError):
        unwrap_case_key(_flip(wrapped, len(wrapped) - 1), alice, case_id="MP-A",
                        recipient="user:1", suite_id=SUITE_ID)


def test_the_wrap_suite_is_hybrid_post_quantum_and_named():
    assert "MLKEM768-X25519" in SUITE_ID
    key, alice = new_case_key(), generate_keypair()
    wrapped = wrap_case_key(key, load_public_key(public_key_bytes(alice)), case_id="MP-A",
                            recipient="user:1")
    with pytest.raises(UnknownSuite):
        unwrap_case_key(wrapped, alice, case_id="MP-A", recipient="user:1", suite_id="rot13")


def test_symmetric_wrap_for_the_receipt():
    key, kek = new_case_key(), b"k" * 32
    wrapped = wrap_case_key_symmetric(key, kek, case_id="MP-A", recipient="receipt")
    assert unwrap_case_key_symmetric(wrapped, kek, case_id="MP-A", recipient="receipt") == key
    for args in ((b"j" * 32, "MP-A"), (kek, "MP-B")):
        with pytest.raises(DecryptionError):
            unwrap_case_key_symmetric(wrapped, args[0], case_id=args[1], recipient="receipt")


def test_case_and_private_keys_never_show_in_repr():
    key, private = new_case_key(), generate_keypair()
    assert key.raw.hex() not in repr(key) and "CaseKey" in repr(key)
    assert private.raw().hex() not in repr(private)


def test_private_key_protected_by_a_passphrase():
    private = generate_keypair()
    blob = protect_private_key(private, "a passphrase for the key", CHEAP)
    assert private.raw() not in blob
    assert protected_key_params(blob) == CHEAP
    assert unlock_private_key(blob, "a passphrase for the key").raw() == private.raw()
    with pytest.raises(WrongPassphrase):
        unlock_private_key(blob, "another passphrase")
    with pytest.raises(CryptoError):
        unlock_private_key(_flip(blob, 40), "a passphrase for the key")


def test_session_seal_needs_the_cookie_secret_and_the_session_id():
    private = generate_keypair()
    secret = new_session_secret()
    sealed = seal_for_session(private, secret, session_id="abc")
    assert private.raw() not in sealed
    assert open_from_session(sealed, secret, session_id="abc").raw() == private.raw()
    with pytest.raises(DecryptionError):
        open_from_session(sealed, new_session_secret(), session_id="abc")
    with pytest.raises(DecryptionError):
        open_from_session(sealed, secret, session_id="abd")


def test_truncated_blobs_fail_as_decryption_errors_not_crashes():
    key, kek = new_case_key(), b"k" * 32
    wrapped = wrap_case_key_symmetric(key, kek, case_id="MP-A", recipient="receipt")
    for blob in (b"", wrapped[:5], wrapped[:12], wrapped[:20]):
        with pytest.raises(DecryptionError):
            unwrap_case_key_symmetric(blob, kek, case_id="MP-A", recipient="receipt")
    private, secret = generate_keypair(), new_session_secret()
    sealed = seal_for_session(private, secret, session_id="abc")
    for blob in (sealed[:4], sealed[:10], sealed[:20]):
        with pytest.raises(DecryptionError):
            open_from_session(blob, secret, session_id="abc")
    protected = protect_private_key(private, "a passphrase for the key", CHEAP)
    for blob in (b"", protected[:20], protected[:40]):
        with pytest.raises(DecryptionError):
            unlock_private_key(blob, "a passphrase for the key")
    for blob in (b"", wrap_case_key(key, load_public_key(public_key_bytes(private)),
                                    case_id="MP-A", recipient="user:1")[:30]):
        with pytest.raises(DecryptionError):
            unwrap_case_key(blob, private, case_id="MP-A", recipient="user:1", suite_id=SUITE_ID)

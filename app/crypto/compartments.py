"""Compartments: a case's content split under several keys, one per kind of
content and per key generation.

A holder opens only the compartments wrapped to them (app/cases/custody.py
decides which). Every ciphertext names its generation in clear and is bound
by its associated data to the case, the compartment, the generation, the
field and the clear metadata it depends on (who wrote it, as what, for whom):
a ciphertext moved to another case, compartment or field, or whose clear
metadata was changed in the database, does not decrypt.

Compartment keys travel only wrapped: with HPKE (RFC 9180, hybrid ML-KEM-768
+ X25519) to one holder's public key, bound to case, holder, compartment and
generation.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.envelope import KEY_LEN, NONCE_LEN, SUITE_ID, SUITES
from app.crypto.errors import CryptoError, DecryptionError, UnknownSuite
from app.crypto.keys import PrivateKey

REPORT = "report"
IDENTITY = "identity"
CONVERSATION = "conversation"
CASEFILE = "casefile"
# The compartments every case has from the start; personal:<user id> and
# referral:<referral id> are made when first needed.
BASE_COMPARTMENTS = (REPORT, IDENTITY, CONVERSATION, CASEFILE)

FIELD_VERSION = 2
_HEADER = struct.Struct(">BI")  # format version, generation


def personal(user_id: int) -> str:
    return f"personal:{user_id}"


def referral(referral_id: int) -> str:
    return f"referral:{referral_id}"


class CompartmentClosed(CryptoError):
    """This holder holds no key of that compartment (or not of that generation)."""


class CaseKeys:
    """The compartment keys one holder opened for one case: every generation
    they hold of every compartment they hold. Its repr never shows a key."""

    __slots__ = ("_keys", "case_id")

    def __init__(self, case_id: str, keys: Mapping[tuple[str, int], bytes] | None = None) -> None:
        self.case_id = case_id
        self._keys: dict[tuple[str, int], bytes] = {}
        for (compartment, generation), raw in (keys or {}).items():
            self.add(compartment, generation, raw)

    def __repr__(self) -> str:
        return f"<CaseKeys {self.case_id} {sorted(self.compartments())}>"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, CaseKeys) and other.case_id == self.case_id
                and other._keys == self._keys)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def add(self, compartment: str, generation: int, raw: bytes) -> None:
        if len(raw) != KEY_LEN:
            raise ValueError("a compartment key is 32 bytes")
        self._keys[(compartment, generation)] = bytes(raw)

    def compartments(self) -> set[str]:
        return {compartment for compartment, _ in self._keys}

    def has(self, compartment: str) -> bool:
        return any(c == compartment for c, _ in self._keys)

    def generations(self, compartment: str) -> list[int]:
        return sorted(g for c, g in self._keys if c == compartment)

    def current(self, compartment: str) -> int:
        """The newest generation held of a compartment (what new content goes under)."""
        generations = self.generations(compartment)
        if not generations:
            raise CompartmentClosed(compartment)
        return generations[-1]

    def key(self, compartment: str, generation: int) -> bytes:
        raw = self._keys.get((compartment, generation))
        if raw is None:
            raise CompartmentClosed(f"{compartment}@{generation}")
        return raw

    def items(self) -> Iterator[tuple[str, int, bytes]]:
        for (compartment, generation), raw in sorted(self._keys.items()):
            yield compartment, generation, raw

    def only(self, compartments: Iterable[str]) -> CaseKeys:
        """A copy with just these compartments (what may be passed on)."""
        wanted = set(compartments)
        return CaseKeys(self.case_id, {k: v for k, v in self._keys.items() if k[0] in wanted})


def new_compartment_key() -> bytes:
    return os.urandom(KEY_LEN)


def _context(context: Mapping[str, object] | None) -> bytes:
    """Clear metadata as canonical bytes: sorted names, values as text."""
    items = sorted((str(k), "" if v is None else str(v)) for k, v in (context or {}).items())
    return b"\x1e".join(f"{k}={v}".encode() for k, v in items)


def _ad(case_id: str, compartment: str, generation: int, field: str,
        context: Mapping[str, object] | None) -> bytes:
    return b"\0".join([b"meldpunt-field-v2", case_id.encode(), compartment.encode(),
                       str(generation).encode(), field.encode(), _context(context)])


def seal(keys: CaseKeys, plaintext: bytes, *, compartment: str, field: str,
         context: Mapping[str, object] | None = None, generation: int | None = None) -> bytes:
    """version | generation | nonce | AES-256-GCM(ciphertext + tag), under the
    compartment's newest generation (or the one given)."""
    generation = keys.current(compartment) if generation is None else generation
    nonce = os.urandom(NONCE_LEN)
    sealed = AESGCM(keys.key(compartment, generation)).encrypt(
        nonce, plaintext, _ad(keys.case_id, compartment, generation, field, context))
    return _HEADER.pack(FIELD_VERSION, generation) + nonce + sealed


def generation_of(blob: bytes) -> int:
    if len(blob) < _HEADER.size + NONCE_LEN + 16 or blob[0] != FIELD_VERSION:
        raise DecryptionError("unknown field format")
    return int(_HEADER.unpack_from(blob)[1])


def unseal(keys: CaseKeys, blob: bytes, *, compartment: str, field: str,
           context: Mapping[str, object] | None = None) -> bytes:
    """Raises CompartmentClosed when the holder lacks the key, DecryptionError
    when the blob or its metadata was changed."""
    generation = generation_of(blob)
    key = keys.key(compartment, generation)
    nonce = blob[_HEADER.size:_HEADER.size + NONCE_LEN]
    try:
        return AESGCM(key).decrypt(nonce, blob[_HEADER.size + NONCE_LEN:],
                                   _ad(keys.case_id, compartment, generation, field, context))
    except InvalidTag as exc:
        raise DecryptionError(f"{field!r} does not decrypt in {compartment}") from exc


# --- wraps: one compartment key of one generation to one holder ----------------------


def _wrap_info(case_id: str, recipient: str, compartment: str, generation: int) -> bytes:
    return b"\0".join([b"meldpunt-compartment-key-v1", case_id.encode(), recipient.encode(),
                       compartment.encode(), str(generation).encode()])


def wrap_key(raw: bytes, public_key: hpke.MLKEM768X25519PublicKey, *, case_id: str,
             recipient: str, compartment: str, generation: int) -> bytes:
    return SUITES[SUITE_ID].encrypt(
        raw, public_key, info=_wrap_info(case_id, recipient, compartment, generation))


def unwrap_key(blob: bytes, private_key: PrivateKey, *, case_id: str, recipient: str,
               compartment: str, generation: int, suite_id: str = SUITE_ID) -> bytes:
    suite = SUITES.get(suite_id)
    if suite is None:
        raise UnknownSuite(suite_id)
    try:
        raw = suite.decrypt(blob, private_key.hpke_key,
                            info=_wrap_info(case_id, recipient, compartment, generation))
    except Exception as exc:  # the binding raises InvalidTag or ValueError
        raise DecryptionError("wrap does not open with this key") from exc
    if len(raw) != KEY_LEN:
        raise DecryptionError("wrap holds no compartment key")
    return bytes(raw)

"""The erasure ratchet: day keys that can be destroyed, kept outside the
database (DESIGN.md, "Key custody", point 5).

A chain of secrets, one per day: `S(d+1) = H(S(d))`; the key of day d is
`E(d) = HKDF(S(d))`. The state file (`keys/ratchet`) holds only the current
day and its secret, so from it every day from today on can be derived and
no day before. Advancing replaces the file (atomically) by a later day's
secret: the earlier days' keys are then gone from this copy. Every instance
advances its own copy by the date alone; copies made from the same start
agree on every day key without talking to each other.

Every key wrap of a case is stored sealed under the key of one day (its
`seal_day`, a clear column). An old row version — in the heap, the WAL, a
replica or a base backup — was sealed to a day that passed; once every
copy of the ratchet is past that day, it opens with no key anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import CryptoError, DecryptionError
from app.crypto.kdf import hkdf_sha256

STATE_FILE = "ratchet"
# Where a database engine (its execution options) or session (its info)
# keeps the instance's keys/ folder, so a row read through it can be
# unsealed (app/cases/seals.py).
KEYS_DIR_INFO = "meldpunt.keys_dir"
SECRET_LEN = 32
NONCE_LEN = 12
SEAL_VERSION = 1
_STEP = b"meldpunt-ratchet-step-v1\0"
_DAY_KEY = b"meldpunt-ratchet-day-key-v1|"
_AAD = b"meldpunt-ratchet-seal-v1\0"


class RatchetError(CryptoError):
    pass


class RatchetMissing(RatchetError):
    """keys/ratchet does not exist (run `meldpunt init`)."""


class DayPassed(RatchetError):
    """The ratchet is past this day: its key can not be derived any more."""


def step(secret: bytes) -> bytes:
    """S(d+1) from S(d): one way."""
    return hashlib.sha256(_STEP + secret).digest()


def day_key_from(secret: bytes, day: date) -> bytes:
    """E(d) from S(d)."""
    return hkdf_sha256(secret, _DAY_KEY + day.isoformat().encode())


@dataclass(frozen=True)
class RatchetState:
    """The current day and its secret (never printed)."""

    day: date
    secret: bytes = field(repr=False)

    def secret_for(self, day: date) -> bytes:
        if day < self.day:
            raise DayPassed(day.isoformat())
        secret = self.secret
        for _ in range((day - self.day).days):
            secret = step(secret)
        return secret

    def advanced_to(self, day: date) -> RatchetState:
        if day <= self.day:
            return self
        return RatchetState(day, self.secret_for(day))

    def to_bytes(self) -> bytes:
        return json.dumps({"day": self.day.isoformat(), "secret": self.secret.hex()}).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> RatchetState:
        data = json.loads(raw)
        secret = bytes.fromhex(data["secret"])
        if len(secret) != SECRET_LEN:
            raise RatchetError("ratchet state holds no secret")
        return cls(date.fromisoformat(data["day"]), secret)


class DayKeys:
    """The day keys derivable from one reading of the state file. Used for
    one batch of work (a request, a sweep); each day's key is derived once."""

    def __init__(self, start: RatchetState) -> None:
        self.start = start
        self._secrets: dict[date, bytes] = {start.day: start.secret}
        self._keys: dict[date, bytes] = {}

    def __repr__(self) -> str:
        return f"<DayKeys from {self.start.day.isoformat()}>"

    @property
    def day(self) -> date:
        """The earliest day whose key can still be derived."""
        return self.start.day

    def key(self, day: date) -> bytes:
        key = self._keys.get(day)
        if key is None:
            if day < self.start.day:
                raise DayPassed(day.isoformat())
            # Step on from the nearest day already known before it.
            known = max(d for d in self._secrets if d <= day)
            secret = RatchetState(known, self._secrets[known]).secret_for(day)
            self._secrets[day] = secret
            key = self._keys[day] = day_key_from(secret, day)
        return key


def _aad(kind: str, day: date) -> bytes:
    return _AAD + kind.encode() + b"\0" + day.isoformat().encode()


def seal(keys: DayKeys, blob: bytes, *, kind: str, day: date) -> bytes:
    """version | nonce | AES-256-GCM(blob) under E(day), bound to what the
    blob is (`kind`) and to the day."""
    nonce = os.urandom(NONCE_LEN)
    return bytes([SEAL_VERSION]) + nonce + AESGCM(keys.key(day)).encrypt(
        nonce, blob, _aad(kind, day))


def unseal(keys: DayKeys, sealed: bytes, *, kind: str, day: date) -> bytes:
    """Raises DayPassed when the day's key is gone, DecryptionError when the
    blob, its kind or its day was changed."""
    if len(sealed) < 1 + NONCE_LEN + 16 or sealed[0] != SEAL_VERSION:
        raise DecryptionError("not a ratchet-sealed blob")
    key = keys.key(day)
    try:
        return AESGCM(key).decrypt(sealed[1:1 + NONCE_LEN], sealed[1 + NONCE_LEN:],
                                   _aad(kind, day))
    except InvalidTag as exc:
        raise DecryptionError(f"{kind} does not unseal on {day.isoformat()}") from exc


# --- the state file ---------------------------------------------------------------------


def state_path(keys_dir: Path) -> Path:
    return keys_dir / STATE_FILE


def read_state(keys_dir: Path) -> RatchetState:
    path = state_path(keys_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RatchetMissing(f"{path} is missing (run 'meldpunt init')") from exc
    return RatchetState.from_bytes(raw)


def day_keys(keys_dir: Path) -> DayKeys:
    return DayKeys(read_state(keys_dir))


def _write_atomically(path: Path, data: bytes) -> None:
    """A new file beside the old one, synced, then renamed over it: a crash
    leaves the old state or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ratchet-")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def create_state(keys_dir: Path, today: date) -> bool:
    """A new ratchet starting today, unless one exists. True if made."""
    path = state_path(keys_dir)
    if path.exists():
        return False
    _write_atomically(path, RatchetState(today, secrets.token_bytes(SECRET_LEN)).to_bytes())
    return True


def write_state(keys_dir: Path, state: RatchetState) -> None:
    _write_atomically(state_path(keys_dir), state.to_bytes())


def advance_file(keys_dir: Path, day: date) -> RatchetState:
    """Move this copy of the ratchet forward to `day` (never back). The
    caller checks first that no live wrap is sealed to an earlier day
    (app/cases/seals.advance)."""
    state = read_state(keys_dir)
    if day <= state.day:
        return state
    new = state.advanced_to(day)
    write_state(keys_dir, new)
    return new

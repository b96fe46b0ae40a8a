"""Key material kept in keys/ on the server.

None of it opens a case on its own: case keys are wrapped to staff keys
(protected by passwords), to receipt-derived keys and to the recovery key,
whose private half is kept offline, never here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.crypto import ratchet
from app.crypto.kdf import Argon2Params
from app.crypto.keys import (
    PrivateKey,
    fingerprint,
    generate_keypair,
    protect_private_key,
    public_key_bytes,
    unlock_private_key,
)
from app.crypto.signing import public_bytes, seed_bytes

SECRET_FILES = {
    "session_secret": 48,  # Flask cookie signing, when MELDPUNT_SECRET_KEY is not set
    "receipt_pepper": 32,  # HMAC pepper for receipt-code locators and verifiers
    "audit_hmac.key": 32,  # HMAC key over every audit entry
    "totp.key": 32,  # encrypts TOTP secrets and keys recovery-code hashes
    "revocation.key": 32,  # Ed25519 seed: signs revocations of staff keys
    "person_index.key": 32,  # HMAC key of the blind index of persons concerned
}
RECOVERY_PUBLIC = "recovery.pub"
# The trust anchor's Ed25519 public key: every staff key that may receive a
# case is endorsed by a chain of signatures that ends here (app/accounts/trust.py).
ANCHOR_PUBLIC = "anchor.pub"
# A development instance's anchor (`make run`): its passphrases are
# published, so `meldpunt demo` can endorse the demo handlers. Production
# `init` never uses them.
DEV_ANCHOR_FILE = "anchor-key.offline"
DEV_ANCHOR_PASSPHRASES = ("development anchor - not secret (1)",
                          "development anchor - not secret (2)")
# Fingerprints of revoked staff keys, one line each, appended and never
# rewritten: a database writer can delete a revocation row, not this line.
REVOKED_LIST = "revoked"
# The notifier key pair (issue #23): reporters' news addresses are wrapped to
# the public half, which the web app reads; only `meldpunt notify send` reads
# the private half, to address the e-mail. Optional: without it the mailbox
# does not offer the news e-mail.
NOTIFY_PUBLIC = "notify.pub"
NOTIFY_PRIVATE = "notify.key"


# keys/revoked as last read, per path: (mtime and size, its lines).
_REVOKED_CACHE: dict[Path, tuple[tuple[int, int], frozenset[str]]] = {}
PERSON_INDEX_KEY = "person_index.key"
# keys/person_index.key as last read, per path: (inode, mtime and size, the key).
_PERSON_INDEX_CACHE: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


class KeyMaterialMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Keyring:
    session_secret: bytes
    receipt_pepper: bytes
    audit_key: bytes
    totp_key: bytes
    keys_dir: Path

    def __repr__(self) -> str:  # never print key bytes
        return "<Keyring>"

    @property
    def person_index_key(self) -> bytes:
        """The blind index's HMAC key. Read again when the file changed, not
        once at start-up: after `meldpunt keys rotate-person-index` every
        running worker indexes and looks up under the new key at once."""
        path = self.keys_dir / PERSON_INDEX_KEY
        stat = path.stat()
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = _PERSON_INDEX_CACHE.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
        key = path.read_bytes()
        _PERSON_INDEX_CACHE[path] = (version, key)
        return key

    @property
    def anchor_public(self) -> bytes | None:
        path = self.keys_dir / ANCHOR_PUBLIC
        return path.read_bytes() if path.is_file() else None

    @property
    def revocation_seed(self) -> bytes:
        return (self.keys_dir / "revocation.key").read_bytes()

    def revoked_lines(self) -> frozenset[str]:
        """The lines of keys/revoked, read again only when the file changed
        (every wrap asks; the file only grows)."""
        path = self.keys_dir / REVOKED_LIST
        try:
            stat = path.stat()
        except FileNotFoundError:
            return frozenset()
        version = (stat.st_mtime_ns, stat.st_size)
        cached = _REVOKED_CACHE.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
        lines = frozenset(line.strip() for line in path.read_text("ascii").splitlines()
                          if line.strip())
        _REVOKED_CACHE[path] = (version, lines)
        return lines

    def append_revoked(self, line: str) -> None:
        path = self.keys_dir / REVOKED_LIST
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    @property
    def recovery_public(self) -> bytes:
        # Read at every use, not once at start-up: after `meldpunt keys
        # rotate-recovery` every running worker wraps new cases to the new
        # key at once (the old private half is meant to be destroyed).
        return (self.keys_dir / RECOVERY_PUBLIC).read_bytes()

    @property
    def notify_public(self) -> bytes | None:
        """The notifier's public key, or None where it was not created."""
        path = self.keys_dir / NOTIFY_PUBLIC
        return path.read_bytes() if path.is_file() else None


def load_notify_private(keys_dir: Path) -> PrivateKey:
    """The notifier's private key: only `meldpunt notify send` calls this."""
    path = keys_dir / NOTIFY_PRIVATE
    if not path.is_file():
        raise KeyMaterialMissing(f"missing in {keys_dir}: {NOTIFY_PRIVATE} (run 'meldpunt init')")
    return PrivateKey.from_raw(path.read_bytes())


def missing_key_files(keys_dir: Path) -> list[str]:
    names = [*SECRET_FILES, ratchet.STATE_FILE, RECOVERY_PUBLIC]
    return [name for name in names if not (keys_dir / name).is_file()]


def load_keyring(keys_dir: Path) -> Keyring:
    missing = missing_key_files(keys_dir)
    if missing:
        raise KeyMaterialMissing(
            f"missing in {keys_dir}: {', '.join(missing)} (run 'meldpunt init')"
        )
    read = lambda name: (keys_dir / name).read_bytes()  # noqa: E731
    return Keyring(
        session_secret=read("session_secret"),
        receipt_pepper=read("receipt_pepper"),
        audit_key=read("audit_hmac.key"),
        totp_key=read("totp.key"),
        keys_dir=keys_dir,
    )


def create_missing_secrets(keys_dir: Path) -> list[str]:
    """Create the random server secrets that do not exist yet, and the
    erasure ratchet starting today (app/crypto/ratchet.py); never overwrite."""
    _ensure_private_dir(keys_dir)
    created = []
    for name, size in SECRET_FILES.items():
        path = keys_dir / name
        if not path.exists():
            write_private_file(path, secrets.token_bytes(size))
            created.append(name)
    # Both halves or neither: a public half without its private half here
    # may be on purpose (the private half kept where only the sender runs).
    if not (keys_dir / NOTIFY_PUBLIC).exists() and not (keys_dir / NOTIFY_PRIVATE).exists():
        private = generate_keypair()
        write_private_file(keys_dir / NOTIFY_PRIVATE, private.raw())
        write_private_file(keys_dir / NOTIFY_PUBLIC, public_key_bytes(private))
        created += [NOTIFY_PRIVATE, NOTIFY_PUBLIC]
    if ratchet.create_state(keys_dir, datetime.now(UTC).date()):
        created.append(ratchet.STATE_FILE)
    return created


def create_recovery_key(
    keys_dir: Path, offline_path: Path, passphrase: str, params: Argon2Params
) -> str:
    """Create the organisation recovery key pair.

    The public half goes to keys/; the private half, protected by the
    passphrase, is written once to `offline_path` — to be moved to a safe.
    Returns the public key's fingerprint.
    """

    if (keys_dir / RECOVERY_PUBLIC).exists():
        raise FileExistsError("a recovery key exists already; use 'meldpunt keys rotate'")
    _ensure_private_dir(keys_dir)
    private_key = generate_keypair()
    public = public_key_bytes(private_key)
    write_private_file(offline_path, protect_private_key(private_key, passphrase, params))
    write_private_file(keys_dir / RECOVERY_PUBLIC, public)
    return fingerprint(public)


def create_anchor(keys_dir: Path, offline_path: Path, passphrases: tuple[str, str],
                  params: Argon2Params) -> str:
    """Create the trust anchor: an Ed25519 key whose public half goes to
    keys/ and whose private half is written once to `offline_path`,
    protected by two passphrases held by two different people (both are
    needed to endorse with it). Returns the public key's fingerprint."""
    if (keys_dir / ANCHOR_PUBLIC).exists():
        raise FileExistsError("a trust anchor exists already")
    _ensure_private_dir(keys_dir)
    anchor = Ed25519PrivateKey.generate()
    write_private_file(offline_path, protect_secret(seed_bytes(anchor),
                                                    anchor_passphrase(passphrases), params))
    public = public_bytes(anchor)
    write_private_file(keys_dir / ANCHOR_PUBLIC, public)
    return fingerprint(public)


def anchor_passphrase(passphrases: tuple[str, str]) -> str:
    """Both custodians' passphrases as one Argon2id input (length-prefixed,
    so no two pairs give the same input)."""
    first, second = passphrases
    return f"{len(first)}:{first}|{len(second)}:{second}"


def protect_secret(secret: bytes, passphrase: str, params: Argon2Params) -> bytes:
    """A 32-byte secret under a passphrase, in the protected-key format."""
    # The format holds 96 bytes; the secret rides in the X25519 slot with a
    # random ML-KEM seed in front (never used).
    padded = PrivateKey.from_raw(secrets.token_bytes(64) + secret)
    return protect_private_key(padded, passphrase, params)


def unlock_secret(blob: bytes, passphrase: str) -> bytes:
    return unlock_private_key(blob, passphrase).raw()[64:]


def write_private_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def replace_private_file(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    write_private_file(tmp, data)
    os.replace(tmp, path)


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)

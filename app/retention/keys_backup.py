"""Dated, encrypted backups of keys/ and their rotation.

keys/ holds the erasure ratchet (app/crypto/ratchet.py): a copy of it taken
on day D can derive every day key from D on. So a backup of keys/ keeps a
shredded case's old copies (WAL, base backups) openable as long as the
backup exists, and the window after which a shredded case opens from no
copy anywhere is the lease plus the age of the oldest keys/ backup kept
(SECURITY.md, "The erasure ratchet"). Backups are therefore written only
encrypted to the offline recovery key, one per day, and rotated: those
older than the number of days kept are deleted.

A backup file: a magic line, the day, then HPKE (the recovery key's suite)
of a tar of keys/ (every regular file directly in it), bound to the day.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.crypto.envelope import SUITE_ID, SUITES
from app.crypto.errors import DecryptionError
from app.crypto.keys import PrivateKey, load_public_key
from app.keyring import RECOVERY_PUBLIC, write_private_file

MAGIC = b"meldpunt-keys-backup-v1\n"
PREFIX = "keys-backup-"
SUFFIX = ".bin"


def _info(day: date) -> bytes:
    return b"meldpunt-keys-backup-v1|" + day.isoformat().encode()


def backup_name(day: date) -> str:
    return f"{PREFIX}{day.isoformat()}{SUFFIX}"


def _tar(keys_dir: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(keys_dir.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                tar.add(path, arcname=path.name, recursive=False)
    return buffer.getvalue()


def write_backup(keys_dir: Path, out_dir: Path, day: date) -> Path:
    """Encrypt keys/ to the recovery public key into out_dir (0600)."""
    public = load_public_key((keys_dir / RECOVERY_PUBLIC).read_bytes())
    sealed = SUITES[SUITE_ID].encrypt(_tar(keys_dir), public, info=_info(day))
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = out_dir / backup_name(day)
    if path.exists():
        path.unlink()  # today's backup again: the newer one replaces it
    write_private_file(path, MAGIC + day.isoformat().encode() + b"\n" + sealed)
    return path


def read_backup(path: Path, recovery_private: PrivateKey) -> dict[str, bytes]:
    """The files of a backup, opened with the offline recovery key."""
    raw = path.read_bytes()
    if not raw.startswith(MAGIC):
        raise DecryptionError("not a keys/ backup")
    day_line, _, sealed = raw[len(MAGIC):].partition(b"\n")
    day = date.fromisoformat(day_line.decode())
    try:
        plain = SUITES[SUITE_ID].decrypt(sealed, recovery_private.hpke_key, info=_info(day))
    except Exception as exc:  # the binding raises InvalidTag or ValueError
        raise DecryptionError("the backup does not open with this key") from exc
    files = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            if member.isfile() and handle is not None and "/" not in member.name:
                files[member.name] = handle.read()
    return files


@dataclass(frozen=True)
class Backup:
    path: Path
    day: date


def backups(out_dir: Path) -> list[Backup]:
    found = []
    for path in out_dir.glob(f"{PREFIX}*{SUFFIX}") if out_dir.is_dir() else []:
        try:
            found.append(Backup(path, date.fromisoformat(
                path.name[len(PREFIX):-len(SUFFIX)])))
        except ValueError:
            continue
    return sorted(found, key=lambda b: b.day)


def rotate(out_dir: Path, today: date, keep_days: int) -> list[Backup]:
    """Delete the backups older than `keep_days` (the newest always stays).
    Returns those deleted."""
    found = backups(out_dir)
    cutoff = today - timedelta(days=keep_days)
    gone = [b for b in found[:-1] if b.day < cutoff]
    for backup in gone:
        backup.path.unlink()
    return gone

"""What domain functions need besides a database session: settings, keys,
the audit log and the file store. Built once per app (or per CLI run)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.audit.log import AuditLog
from app.config import Settings
from app.crypto.kdf import KdfGate
from app.keyring import Keyring, load_keyring
from app.storage import FileStore


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    keyring: Keyring
    audit: AuditLog
    files: FileStore
    # The pictures this process may decode at the same time (uploads.py).
    picture_slots: threading.BoundedSemaphore
    # The Argon2id runs this process may do at the same time (kdf.py).
    kdf_gate: KdfGate

    @classmethod
    def load(cls, settings: Settings) -> Runtime:
        keyring = load_keyring(settings.keys_dir)
        return cls(
            settings=settings,
            keyring=keyring,
            audit=AuditLog(keyring.audit_key, settings.zone),
            files=FileStore(settings.storage_dir),
            picture_slots=threading.BoundedSemaphore(max(1, settings.image_workers)),
            kdf_gate=KdfGate.from_settings(
                max_runs=settings.kdf_max_concurrent,
                memory_budget_mib=settings.kdf_memory_budget_mib,
                wait_seconds=settings.kdf_wait_seconds,
            ),
        )

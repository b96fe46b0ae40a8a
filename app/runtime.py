"""What domain functions need besides a database session: settings, keys,
the audit log and the file store. Built once per app (or per CLI run)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from app.audit.log import AuditLog
from app.config import ConfigError, Settings
from app.crypto.kdf import KdfGate
from app.keyring import Keyring, load_keyring
from app.storage import DatabaseFileStore, FileStore, LocalFileStore


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
    def load(cls, settings: Settings, engine: Engine | None = None) -> Runtime:
        """`engine`: the app's database engine, which the database file
        store uses (its pool and, on SQLite, its pragmas)."""
        keyring = load_keyring(settings.keys_dir)
        return cls(
            settings=settings,
            keyring=keyring,
            audit=AuditLog(keyring.audit_key, settings.zone),
            files=file_store(settings, engine),
            picture_slots=threading.BoundedSemaphore(max(1, settings.image_workers)),
            kdf_gate=KdfGate.from_settings(
                max_runs=settings.kdf_max_concurrent,
                memory_budget_mib=settings.kdf_memory_budget_mib,
                wait_seconds=settings.kdf_wait_seconds,
            ),
        )


def file_store(settings: Settings, engine: Engine | None) -> FileStore:
    """The file store the settings choose (MELDPUNT_FILE_STORE)."""
    if settings.file_store == "database":
        if engine is None:
            raise ConfigError("the database file store needs the app's database engine")
        return DatabaseFileStore(engine, settings.zone)
    return LocalFileStore(settings.storage_dir)

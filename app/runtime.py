"""What domain functions need besides a database session: settings, keys,
the audit log and the file store. Built once per app (or per CLI run)."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.log import AuditLog
from app.config import Settings
from app.keyring import Keyring, load_keyring
from app.storage import FileStore


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    keyring: Keyring
    audit: AuditLog
    files: FileStore

    @classmethod
    def load(cls, settings: Settings) -> Runtime:
        keyring = load_keyring(settings.keys_dir)
        return cls(
            settings=settings,
            keyring=keyring,
            audit=AuditLog(keyring.audit_key),
            files=FileStore(settings.storage_dir),
        )

"""The encrypted file store: the only way to touch attachment files.

Two backends with one interface and the same guarantees, chosen by the
setting MELDPUNT_FILE_STORE:

- `local` (the default, app/storage/local.py): a directory on this host.
- `database` (app/storage/database.py): chunked ciphertext in the database,
  shared by every app instance that uses that database.

Only ciphertext ever reaches a store (app/crypto/streams.py encrypts before,
decrypts after). A file is there whole or not at all. Uploads arrive as
*pending* files, written while the request body is still being read under a
file key that exists only in the memory of the process that writes it; a
pending file is not among the store's files, and one whose writer is gone
(a crash, an abandoned request) is keyless ciphertext that
`remove_abandoned_pending` removes.
"""

from __future__ import annotations

from app.storage.base import FILE_ID, FileStore, InvalidFileId, PendingWriter, check_file_id
from app.storage.database import DatabaseFileStore
from app.storage.local import LocalFileStore

__all__ = ["FILE_ID", "DatabaseFileStore", "FileStore", "InvalidFileId", "LocalFileStore",
           "PendingWriter", "check_file_id"]

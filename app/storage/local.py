"""The local file store: a directory on this host (the default).

Names are random hex ids; every path is resolved and checked to lie inside
the store. Writes go to a temporary name, are fsynced and renamed, and the
temporary file is removed on any failure: a file is there whole or not at all.
Only ciphertext ever reaches this module.

Uploads arrive as *pending* files (pending/<id>.pending): ciphertext written
while the request body is still being read, under a file key that exists
only in the memory of the process that writes it. The writer holds an
exclusive flock on the file until it moves the file into place (when its row
is committed) or deletes it; a pending file nobody holds a lock on was left
by a crash or an abandoned request - keyless ciphertext - and is removed.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.storage.base import FILE_ID, FileStore, InvalidFileId, PendingWriter, check_file_id

TMP_SUFFIX = ".partial"
PENDING_DIR = "pending"
PENDING_SUFFIX = ".pending"
# A pending file is created and locked in one step; this margin covers the
# instant between the two, so a sweep never takes a file being born.
PENDING_GRACE = timedelta(seconds=60)


class LocalFileStore(FileStore):
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<LocalFileStore {self.root}>"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def path(self, file_id: str) -> Path:
        check_file_id(file_id)
        root = self.root.resolve()
        # Two-level fan-out keeps directories small.
        candidate = (root / file_id[:2] / file_id).resolve()
        if candidate.parent.parent != root:
            raise InvalidFileId("path escapes the store")
        return candidate

    def write(self, file_id: str, chunks: Iterable[bytes], *,
              session: Session | None = None) -> int:
        """Write ciphertext chunks atomically (a temporary name, fsynced and
        renamed); returns the bytes written. `session` plays no part here."""
        target = self.path(file_id)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(target.name + TMP_SUFFIX)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        written = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    written += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return written

    def pending_path(self, file_id: str) -> Path:
        self.path(file_id)  # the same id rules
        return self.root.resolve() / PENDING_DIR / (file_id + PENDING_SUFFIX)

    def begin_pending(self, file_id: str) -> LocalPendingWriter:
        """A new pending file, locked by this process until commit or discard."""
        path = self.pending_path(file_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        return LocalPendingWriter(self, file_id, path, fd)

    def pending_ids(self) -> list[str]:
        folder = self.root / PENDING_DIR
        if not folder.is_dir():
            return []
        return sorted(item.name.removesuffix(PENDING_SUFFIX) for item in folder.iterdir()
                      if item.name.endswith(PENDING_SUFFIX))

    def remove_abandoned_pending(self, older_than: timedelta | None = None) -> int:
        """Pending files no live process holds (crash, abandoned request): remove."""
        older_than = PENDING_GRACE if older_than is None else older_than
        folder = self.root / PENDING_DIR
        if not folder.is_dir():
            return 0
        count = 0
        limit = time.time() - older_than.total_seconds()
        for item in folder.iterdir():
            if not item.name.endswith(PENDING_SUFFIX):
                continue
            try:
                fd = os.open(item, os.O_RDONLY)
            except FileNotFoundError:
                continue  # attached or discarded meanwhile
            try:
                if os.fstat(fd).st_mtime > limit:
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its upload is still in progress
                item.unlink(missing_ok=True)
                count += 1
            finally:
                os.close(fd)
        return count

    def open(self, file_id: str) -> BinaryIO:
        return open(self.path(file_id), "rb")  # noqa: SIM115 - the caller closes it

    def exists(self, file_id: str) -> bool:
        return self.path(file_id).is_file()

    def delete(self, file_id: str) -> None:
        self.path(file_id).unlink(missing_ok=True)

    def file_ids(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir():
                for item in sorted(sub.iterdir()):
                    if FILE_ID.match(item.name):
                        yield item.name

    def modified_at(self, file_id: str) -> datetime:
        return datetime.fromtimestamp(self.path(file_id).stat().st_mtime, tz=UTC)

    def remove_partials(self, older_than: timedelta = timedelta(0)) -> int:
        """Left-overs of writes interrupted by a crash: never referenced, remove."""
        count = 0
        if not self.root.is_dir():
            return 0
        limit = time.time() - older_than.total_seconds()
        for item in self.root.glob(f"*/*{TMP_SUFFIX}"):
            if item.stat().st_mtime <= limit:
                item.unlink(missing_ok=True)
                count += 1
        return count


class LocalPendingWriter(PendingWriter):
    """Appends ciphertext to a pending file; commit() moves it into place."""

    def __init__(self, store: LocalFileStore, file_id: str, path: Path, fd: int) -> None:
        self.store = store
        self.file_id = file_id
        self.path = path
        self._fd: int | None = fd
        self.written = 0

    def write(self, data: bytes) -> None:
        if self._fd is None:
            raise ValueError("pending file already closed")
        view = memoryview(data)
        while view:
            done = os.write(self._fd, view)
            view = view[done:]
        self.written += len(data)

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def open_read(self) -> BinaryIO:
        return open(self.path, "rb")  # noqa: SIM115 - the caller closes it

    def commit(self, session: Session | None = None) -> None:
        """Durably move the file to its place in the store (still locked
        while it moves, so no sweep takes it). `session` plays no part here."""
        if self._fd is None:
            raise ValueError("pending file already closed")
        os.fsync(self._fd)
        target = self.store.path(self.file_id)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(self.path, target)
        _fsync_dir(target.parent)
        self._close()

    def discard(self) -> None:
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        self._close()

    @property
    def closed(self) -> bool:
        return self._fd is None

    def _close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

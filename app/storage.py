"""The encrypted file store: the only way to touch attachment files.

Names are random hex ids; every path is resolved and checked to lie inside
the store. Writes go to a temporary name, are fsynced and renamed, and the
temporary file is removed on any failure: a file is there whole or not at all.
Only ciphertext ever reaches this module.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

FILE_ID = re.compile(r"^[0-9a-f]{32}$")
TMP_SUFFIX = ".partial"


class InvalidFileId(ValueError):
    pass


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<FileStore {self.root}>"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    @staticmethod
    def new_file_id() -> str:
        return secrets.token_hex(16)

    def path(self, file_id: str) -> Path:
        if not isinstance(file_id, str) or not FILE_ID.match(file_id):
            raise InvalidFileId("bad file id")
        root = self.root.resolve()
        # Two-level fan-out keeps directories small.
        candidate = (root / file_id[:2] / file_id).resolve()
        if candidate.parent.parent != root:
            raise InvalidFileId("path escapes the store")
        return candidate

    def write(self, file_id: str, chunks: Iterable[bytes]) -> int:
        """Write ciphertext chunks atomically; returns the bytes written."""
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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""The file store's interface: what every backend does (app/storage/__init__.py
says what they guarantee)."""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import BinaryIO

from sqlalchemy.orm import Session

FILE_ID = re.compile(r"^[0-9a-f]{32}$")


class InvalidFileId(ValueError):
    pass


def check_file_id(file_id: str) -> str:
    if not isinstance(file_id, str) or not FILE_ID.match(file_id):
        raise InvalidFileId("bad file id")
    return file_id


class FileStore(ABC):
    """Where attachment ciphertext is kept (see the module docstring)."""

    @staticmethod
    def new_file_id() -> str:
        return secrets.token_hex(16)

    @abstractmethod
    def ensure(self) -> None:
        """Make the store ready for use (`meldpunt init`)."""

    @abstractmethod
    def write(self, file_id: str, chunks: Iterable[bytes], *,
              session: Session | None = None) -> int:
        """Write ciphertext chunks atomically; returns the bytes written.
        With `session`, a store that can (the database store) writes in the
        caller's transaction, so the file comes and goes with it."""

    @abstractmethod
    def begin_pending(self, file_id: str) -> PendingWriter:
        """A new pending file, held by this writer until commit or discard."""

    @abstractmethod
    def pending_ids(self) -> list[str]:
        """The ids of the pending files, sorted."""

    @abstractmethod
    def remove_abandoned_pending(self, older_than: timedelta | None = None) -> int:
        """Remove pending files no live writer holds; returns how many."""

    @abstractmethod
    def open(self, file_id: str) -> BinaryIO:
        """A read-only, seekable handle on a file's ciphertext (the caller
        closes it); FileNotFoundError when there is no such file."""

    @abstractmethod
    def exists(self, file_id: str) -> bool: ...

    @abstractmethod
    def delete(self, file_id: str) -> None:
        """Remove the file; nothing happens if it is gone. (The database
        store also removes a pending file of that id: one whose commit was
        rolled back with the caller's transaction.)"""

    @abstractmethod
    def file_ids(self) -> Iterator[str]:
        """The ids of the files in the store (not the pending ones)."""

    @abstractmethod
    def modified_at(self, file_id: str) -> datetime:
        """When the file was last written (UTC, wall clock)."""

    @abstractmethod
    def remove_partials(self, older_than: timedelta = timedelta(0)) -> int:
        """Left-overs of writes interrupted by a crash: never referenced, remove."""


class PendingWriter(ABC):
    """Appends ciphertext to a pending file; commit() makes it one of the
    store's files."""

    file_id: str
    written: int

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def sync(self) -> None:
        """Make what was written so far durable."""

    @abstractmethod
    def open_read(self) -> BinaryIO:
        """The ciphertext written so far, to read back (the caller closes it)."""

    @abstractmethod
    def commit(self, session: Session | None = None) -> None:
        """Durably make the file one of the store's files. With `session`, a
        store that can (the database store) does it in the caller's
        transaction: if that rolls back, the file is pending again."""

    @abstractmethod
    def discard(self) -> None: ...

    @property
    @abstractmethod
    def closed(self) -> bool: ...


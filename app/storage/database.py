"""The database file store: attachment ciphertext in chunks in the database,
so every app instance that shares the database sees every file
(MELDPUNT_FILE_STORE=database). Works on PostgreSQL and SQLite.

A file is a `stored_file` row (its random id, whether it is pending, its
size, when it was last written: what a file system keeps of a file) and its
ciphertext in `stored_file_chunk` rows of CHUNK_SIZE bytes (the last one
shorter). Only ciphertext arrives here: app/crypto/streams.py encrypts
before and decrypts after, as for the local store. Memory: one chunk (and
what is being appended to it) per writer, one chunk per reader, whatever the
file's size.

Pending uploads: the row says `pending`; its whole chunks are committed as
they fill (each in its own short transaction, which also refreshes the
row's `modified_at`), the rest with `commit()` or `open_read()`. A pending
file is not among the store's files. `commit(session)` makes it one in the
caller's transaction, the one that adds its attachment row: the file is
kept if and only if its row is. Where the local store knows a live writer by
its file lock, this store knows it by its lease: a pending file not written
or read back for PENDING_LEASE is abandoned (a crash, a killed worker - its
key died with the process) and `remove_abandoned_pending` deletes it. The
delete is one conditional statement, so a writer that was still alive finds
its row gone on its next write and fails, never half a file.

`write(..., session=...)` writes a whole file in the caller's transaction
(and removes what it wrote if the chunks fail); without a session each
chunk is committed as it fills and the file is kept at the end. Shredding
is `delete()`: the rows go (what PostgreSQL's files keep of them until
vacuum: SECURITY.md).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.localtime import local_date, start_of_day
from app.models.files import StoredChunk, StoredFile
from app.storage.base import FileStore, PendingWriter, check_file_id

# Four encrypted segments (app/crypto/streams.py): a 200 MiB file is 800 rows.
CHUNK_SIZE = 256 * 1024
# A pending file not written or read back for this long has no live writer.
PENDING_LEASE = timedelta(hours=1)
# file_ids() reads the ids in pages of this many.
ID_PAGE = 1000

FILES = cast(Table, StoredFile.__table__)
CHUNKS = cast(Table, StoredChunk.__table__)


def _now() -> datetime:
    return datetime.now(UTC)


def _next_day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The start of the next local day: a kept file's time says the day, as
    every reporter-driven time does (app/daytime.py), and is never earlier
    than the write (so the orphan sweep's grace stays safe)."""
    return start_of_day(local_date(moment, zone) + timedelta(days=1), zone)


class DatabaseFileStore(FileStore):
    """`zone`: the organisation's time zone, whose days a kept file's time
    is rounded to."""

    def __init__(self, engine: Engine, zone: ZoneInfo | None = None) -> None:
        self.engine = engine
        self.zone = zone or ZoneInfo("UTC")

    def __repr__(self) -> str:
        return f"<DatabaseFileStore {self.engine.url.render_as_string(hide_password=True)}>"

    def ensure(self) -> None:
        """Nothing to make: the tables come with the migrations (0027)."""

    def write(self, file_id: str, chunks: Iterable[bytes], *,
              session: Session | None = None) -> int:
        writer = DatabasePendingWriter.begin(self, file_id, session=session)
        try:
            for chunk in chunks:
                writer.write(chunk)
            writer.commit(session)
        except BaseException:
            # A failed statement may have aborted the caller's transaction:
            # then it rolls back, and what was written with it.
            with suppress(SQLAlchemyError):
                writer.discard()
            raise
        return writer.written

    def begin_pending(self, file_id: str) -> DatabasePendingWriter:
        return DatabasePendingWriter.begin(self, file_id)

    def pending_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.scalars(select(FILES.c.file_id).where(FILES.c.pending)
                                     .order_by(FILES.c.file_id)))

    def remove_abandoned_pending(self, older_than: timedelta | None = None) -> int:
        limit = _now() - (PENDING_LEASE if older_than is None else older_than)
        with self.engine.begin() as conn:
            # One conditional statement: a writer that wrote since is kept.
            gone = list(conn.scalars(
                delete(FILES).where(FILES.c.pending, FILES.c.modified_at <= limit)
                .returning(FILES.c.file_id)))
            if gone:
                # The foreign key cascades; this also holds where it is not enforced.
                conn.execute(delete(CHUNKS).where(CHUNKS.c.file_id.in_(gone)))
        return len(gone)

    def open(self, file_id: str) -> BinaryIO:
        check_file_id(file_id)
        with self.engine.connect() as conn:
            size = conn.scalar(select(FILES.c.size).where(FILES.c.file_id == file_id,
                                                          ~FILES.c.pending))
        if size is None:
            raise FileNotFoundError(f"no file {file_id} in the database store")
        return cast(BinaryIO, ChunkReader(self.engine, file_id, size))

    def exists(self, file_id: str) -> bool:
        check_file_id(file_id)
        with self.engine.connect() as conn:
            return conn.scalar(select(FILES.c.file_id).where(
                FILES.c.file_id == file_id, ~FILES.c.pending)) is not None

    def delete(self, file_id: str) -> None:
        check_file_id(file_id)
        with self.engine.begin() as conn:
            _delete(conn, file_id)

    def file_ids(self) -> Iterator[str]:
        last = ""
        while True:
            with self.engine.connect() as conn:
                page = list(conn.scalars(
                    select(FILES.c.file_id).where(~FILES.c.pending, FILES.c.file_id > last)
                    .order_by(FILES.c.file_id).limit(ID_PAGE)))
            yield from page
            if len(page) < ID_PAGE:
                return
            last = page[-1]

    def modified_at(self, file_id: str) -> datetime:
        check_file_id(file_id)
        with self.engine.connect() as conn:
            moment = conn.scalar(select(FILES.c.modified_at).where(
                FILES.c.file_id == file_id, ~FILES.c.pending))
        if moment is None:
            raise FileNotFoundError(f"no file {file_id} in the database store")
        return cast(datetime, moment)

    def remove_partials(self, older_than: timedelta = timedelta(0)) -> int:
        """Nothing to do: an interrupted write is a pending file, which
        remove_abandoned_pending removes once its lease has run out."""
        return 0


def _delete(conn: Connection, file_id: str) -> None:
    conn.execute(delete(CHUNKS).where(CHUNKS.c.file_id == file_id))
    conn.execute(delete(FILES).where(FILES.c.file_id == file_id))


class DatabasePendingWriter(PendingWriter):
    """Appends ciphertext to a pending file in the database. Whole chunks
    are written as they fill; the last, shorter one with commit() or
    open_read() (after which nothing more is appended)."""

    def __init__(self, store: DatabaseFileStore, file_id: str,
                 session: Session | None = None) -> None:
        self.store = store
        self.file_id = file_id
        self.written = 0
        self._session = session
        self._buffer = bytearray()
        self._seq = 0
        self._flushed = 0
        self._sealed = False
        self._closed = False

    @classmethod
    def begin(cls, store: DatabaseFileStore, file_id: str, *,
              session: Session | None = None) -> DatabasePendingWriter:
        check_file_id(file_id)
        writer = cls(store, file_id, session)
        with writer._connection() as conn:
            conn.execute(insert(FILES).values(file_id=file_id, pending=True, size=0,
                                              modified_at=_now()))
        return writer

    @contextmanager
    def _connection(self, session: Session | None = None) -> Iterator[Connection]:
        """The caller's transaction (a session given now or at the start),
        or a short one of our own, committed at the end of the block."""
        session = session or self._session
        if session is not None:
            yield session.connection()
            return
        with self.store.engine.begin() as conn:
            yield conn

    def write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("pending file already closed")
        if self._sealed:
            raise ValueError("pending file already read back")
        self._buffer += data
        self.written += len(data)
        if len(self._buffer) >= CHUNK_SIZE:
            with self._connection() as conn:
                self._flush(conn, last=False)

    def _flush(self, conn: Connection, *, last: bool) -> None:
        """Write the whole chunks in the buffer (and with `last` the rest),
        refreshing the row's lease; FileNotFoundError if the row is gone."""
        rows: list[dict[str, object]] = []
        while len(self._buffer) >= CHUNK_SIZE or (last and self._buffer):
            with memoryview(self._buffer) as view:
                data = bytes(view[:CHUNK_SIZE])
            del self._buffer[:CHUNK_SIZE]
            rows.append({"file_id": self.file_id, "seq": self._seq, "data": data})
            self._seq += 1
            self._flushed += len(data)
        kept = conn.execute(
            update(FILES).where(FILES.c.file_id == self.file_id, FILES.c.pending)
            .values(size=self._flushed, modified_at=_now()))
        if kept.rowcount != 1:
            raise FileNotFoundError(f"pending file {self.file_id} was removed")
        if rows:
            conn.execute(insert(CHUNKS), rows)

    def sync(self) -> None:
        """Whole chunks are committed as they fill; the rest is kept with
        commit() or open_read()."""

    def open_read(self) -> BinaryIO:
        if self._closed:
            raise ValueError("pending file already closed")
        with self._connection() as conn:
            self._flush(conn, last=True)
        self._sealed = True
        return cast(BinaryIO, ChunkReader(self.store.engine, self.file_id, self._flushed))

    def commit(self, session: Session | None = None) -> None:
        if self._closed:
            raise ValueError("pending file already closed")
        with self._connection(session) as conn:
            self._flush(conn, last=True)
            conn.execute(update(FILES).where(FILES.c.file_id == self.file_id)
                         .values(pending=False,
                                 modified_at=_next_day_start(_now(), self.store.zone)))
        self._closed = True

    def discard(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        with self._connection() as conn:
            _delete(conn, self.file_id)

    @property
    def closed(self) -> bool:
        return self._closed


class ChunkReader(io.RawIOBase):
    """A read-only, seekable view of a file's ciphertext: one chunk in
    memory, fetched when a read reaches it, each in its own short query (no
    transaction stays open while a download streams). A file deleted while
    it is read fails the read (FileNotFoundError) rather than ending early."""

    def __init__(self, engine: Engine, file_id: str, size: int) -> None:
        super().__init__()
        self._engine = engine
        self._file_id = file_id
        self.size = size
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def close(self) -> None:
        self._cached = None
        super().close()

    def _chunk(self, seq: int) -> bytes:
        if self._cached is not None and self._cached[0] == seq:
            return self._cached[1]
        with self._engine.connect() as conn:
            data = conn.scalar(select(CHUNKS.c.data).where(CHUNKS.c.file_id == self._file_id,
                                                           CHUNKS.c.seq == seq))
        if data is None:
            raise FileNotFoundError(f"file {self._file_id} is gone from the database store")
        self._cached = (seq, bytes(data))
        return self._cached[1]

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self.size:
            seq, start = divmod(self._pos, CHUNK_SIZE)
            piece = self._chunk(seq)[start : start + len(out) - done]
            if not piece:
                raise FileNotFoundError(f"file {self._file_id} is shorter than its size")
            out[done : done + len(piece)] = piece
            done += len(piece)
            self._pos += len(piece)
        return done

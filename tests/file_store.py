"""The file-store tests run on both stores: a module that imports
`file_store_kind` from here runs each of its tests with the local directory
and with the database store. The helpers reach the raw ciphertext and ages
of either store, as an attacker or a crash would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from app.config import FILE_STORES
from app.models.base import utcnow
from app.runtime import Runtime
from app.storage import DatabaseFileStore, LocalFileStore
from app.storage.database import CHUNK_SIZE, CHUNKS, FILES


@pytest.fixture(params=FILE_STORES)
def file_store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


def _local(rt: Runtime) -> LocalFileStore | None:
    return rt.files if isinstance(rt.files, LocalFileStore) else None


def _database(rt: Runtime) -> DatabaseFileStore:
    assert isinstance(rt.files, DatabaseFileStore)
    return rt.files


def read_raw(rt: Runtime, file_id: str) -> bytes:
    """A kept file's ciphertext as the store holds it."""
    if (local := _local(rt)) is not None:
        return local.path(file_id).read_bytes()
    with _database(rt).engine.connect() as conn:
        return b"".join(conn.scalars(select(CHUNKS.c.data).where(CHUNKS.c.file_id == file_id)
                                     .order_by(CHUNKS.c.seq)))


def write_raw(rt: Runtime, file_id: str, data: bytes) -> None:
    """Replace a kept file's ciphertext behind the app's back."""
    if (local := _local(rt)) is not None:
        local.path(file_id).write_bytes(data)
        return
    with _database(rt).engine.begin() as conn:
        conn.execute(delete(CHUNKS).where(CHUNKS.c.file_id == file_id))
        rows = [{"file_id": file_id, "seq": n, "data": data[start : start + CHUNK_SIZE]}
                for n, start in enumerate(range(0, len(data), CHUNK_SIZE))]
        if rows:
            conn.execute(insert(CHUNKS), rows)
        conn.execute(update(FILES).where(FILES.c.file_id == file_id).values(size=len(data)))


def age(rt: Runtime, file_id: str, by: timedelta, *, pending: bool = False) -> None:
    """Make a file (or a pending file) look last written `by` ago."""
    if (local := _local(rt)) is not None:
        path = local.pending_path(file_id) if pending else local.path(file_id)
        moment = path.stat().st_mtime - by.total_seconds()
        os.utime(path, (moment, moment))
        return
    with _database(rt).engine.begin() as conn:
        conn.execute(update(FILES).where(FILES.c.file_id == file_id)
                     .values(modified_at=utcnow() - by))


def leftovers(rt: Runtime) -> list[str]:
    """Everything the store holds, kept or pending or half-written: file
    paths under the local store's root, file ids in the database store."""
    if (local := _local(rt)) is not None:
        root = Path(local.root)
        return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    with _database(rt).engine.connect() as conn:
        ids = set(conn.scalars(select(FILES.c.file_id)))
        ids |= set(conn.scalars(select(CHUNKS.c.file_id)))
    return sorted(ids)


def all_ciphertext(rt: Runtime) -> Iterator[bytes]:
    """Every byte the store holds, in pieces of at most a MiB that overlap
    by 64 bytes (so a short marker is never cut in two)."""
    if (local := _local(rt)) is not None:
        root = Path(local.root)
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file():
                with path.open("rb") as handle:
                    tail = b""
                    while block := handle.read(1024 * 1024):
                        yield tail + block
                        tail = block[-64:]
        return
    with _database(rt).engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=4).execute(
            select(CHUNKS.c.data).order_by(CHUNKS.c.file_id, CHUNKS.c.seq))
        tail = b""
        for (data,) in rows:
            yield tail + data
            tail = data[-64:]


def pending_sizes(rt: Runtime) -> list[int]:
    """The bytes each pending file holds so far (durably, in the database)."""
    if (local := _local(rt)) is not None:
        return [local.pending_path(i).stat().st_size for i in local.pending_ids()]
    with _database(rt).engine.connect() as conn:
        return list(conn.scalars(select(FILES.c.size).where(FILES.c.pending)
                                 .order_by(FILES.c.file_id)))


def holds(rt: Runtime, marker: bytes) -> bool:
    """Whether any byte string the store holds contains `marker` (the
    local store's files are scanned with the rest of the disk)."""
    return any(marker in data for data in all_ciphertext(rt))


def age_all(rt: Runtime, by: timedelta) -> None:
    """Make everything in the store, pending or kept, look `by` older."""
    if (local := _local(rt)) is not None:
        root = Path(local.root)
        for path in root.rglob("*") if root.is_dir() else []:
            if path.is_file():
                moment = path.stat().st_mtime - by.total_seconds()
                os.utime(path, (moment, moment))
        return
    with _database(rt).engine.begin() as conn:
        for file_id, moment in conn.execute(select(FILES.c.file_id, FILES.c.modified_at)).all():
            conn.execute(update(FILES).where(FILES.c.file_id == file_id)
                         .values(modified_at=moment - by))

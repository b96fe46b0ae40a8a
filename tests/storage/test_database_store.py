"""The database file store (MELDPUNT_FILE_STORE=database): the local store's
guarantees - a file whole or not at all, pending uploads invisible until
kept and removed when their writer is gone, bounded memory, deletion that
removes the rows - on SQLite and, with DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import ConfigError, Settings
from app.localtime import is_day_start
from app.models import Attachment, StoredChunk, StoredFile, utcnow
from app.retention.sweep import remove_orphan_files
from app.runtime import Runtime, file_store
from app.storage import DatabaseFileStore
from app.storage.database import CHUNK_SIZE, PENDING_LEASE
from tests.file_store import age, leftovers
from tests.reporting.conftest import PDF, report_fields, send

MB = 1024 * 1024


@pytest.fixture()
def file_store_kind() -> str:
    return "database"


def _rows(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.rollback()
    return (session.scalar(select(func.count()).select_from(StoredFile)) or 0,
            session.scalar(select(func.count()).select_from(StoredChunk)) or 0)


def test_the_setting_chooses_the_store_and_refuses_an_unknown_one(settings, app):
    assert Settings.from_env({"MELDPUNT_FILE_STORE": "database"}).file_store == "database"
    assert Settings.from_env({}).file_store == "local"
    with pytest.raises(ConfigError, match="MELDPUNT_FILE_STORE must be one of local, database"):
        Settings.from_env({"MELDPUNT_FILE_STORE": "s3"})
    assert isinstance(file_store(settings, app.extensions["meldpunt.engine"]), DatabaseFileStore)
    with pytest.raises(ConfigError, match="needs the app's database engine"):
        file_store(settings, None)


def test_a_file_of_several_chunks_reads_back_whole_and_seeks(rt):
    data = os.urandom(2 * CHUNK_SIZE + 1234)
    file_id = rt.files.new_file_id()
    assert rt.files.write(file_id, [data[i : i + 5000] for i in range(0, len(data), 5000)]) \
        == len(data)
    with rt.files.open(file_id) as handle:
        assert handle.read() == data
        handle.seek(CHUNK_SIZE - 10)
        assert handle.read(20) == data[CHUNK_SIZE - 10 : CHUNK_SIZE + 10]
        assert handle.seek(0, os.SEEK_END) == len(data)
    assert list(rt.files.file_ids()) == [file_id]


def test_a_200_mib_file_is_written_and_read_in_bounded_memory(rt):
    block = os.urandom(64 * 1024 + 16)  # an encrypted segment's size
    count = 200 * MB // len(block) + 1
    file_id = rt.files.new_file_id()
    tracemalloc.start()
    try:
        written = rt.files.write(file_id, (block for _ in range(count)))
        _current, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        total = 0
        with rt.files.open(file_id) as handle:
            while piece := handle.read(len(block)):
                total += len(piece)
        _current, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == total == count * len(block) >= 200 * MB
    # A chunk or two (256 KiB each) and the driver's copy, not the file.
    assert write_peak < 4 * MB, f"write peak {write_peak / MB:.1f} MiB"
    assert read_peak < 4 * MB, f"read peak {read_peak / MB:.1f} MiB"


def test_a_pending_file_is_invisible_until_kept_in_the_callers_transaction(rt, session):
    writer = rt.files.begin_pending(rt.files.new_file_id())
    writer.write(b"x" * (CHUNK_SIZE + 10))
    assert rt.files.pending_ids() == [writer.file_id]
    assert not rt.files.exists(writer.file_id) and list(rt.files.file_ids()) == []
    with pytest.raises(FileNotFoundError):
        rt.files.open(writer.file_id)
    writer.commit(session)
    # Not yet committed: other connections still see a pending file.
    assert rt.files.pending_ids() == [writer.file_id]
    session.rollback()
    assert rt.files.pending_ids() == [writer.file_id] and not rt.files.exists(writer.file_id)
    # The caller removes the files of a failed transaction (discard_files).
    rt.files.delete(writer.file_id)
    assert _rows(session) == (0, 0)


def test_a_pending_file_kept_with_its_transaction_is_whole(rt, session):
    writer = rt.files.begin_pending(rt.files.new_file_id())
    data = os.urandom(CHUNK_SIZE + 99)
    writer.write(data)
    writer.commit(session)
    session.commit()
    assert rt.files.pending_ids() == [] and rt.files.exists(writer.file_id)
    with rt.files.open(writer.file_id) as handle:
        assert handle.read() == data
    # Kept files carry their day, rounded up, not the moment of the upload.
    moment = rt.files.modified_at(writer.file_id)
    assert is_day_start(moment, rt.settings.zone) and moment > utcnow()


def test_a_write_that_fails_in_the_callers_transaction_leaves_nothing(rt, session):
    def chunks():  # type: ignore[no-untyped-def]
        yield b"c" * (2 * CHUNK_SIZE)
        raise ValueError("the upload broke off")

    with pytest.raises(ValueError, match="broke off"):
        rt.files.write(rt.files.new_file_id(), chunks(), session=session)
    session.commit()  # the caller carries on: nothing of the file is kept
    assert _rows(session) == (0, 0)


def test_a_pending_file_within_its_lease_stays_and_an_abandoned_one_goes(rt, session):
    live = rt.files.begin_pending(rt.files.new_file_id())
    live.write(b"still arriving")
    abandoned = rt.files.begin_pending(rt.files.new_file_id())
    abandoned.write(b"x" * (CHUNK_SIZE + 1))
    age(rt, abandoned.file_id, PENDING_LEASE + timedelta(minutes=1), pending=True)
    assert rt.files.remove_abandoned_pending() == 1
    assert rt.files.pending_ids() == [live.file_id]
    # Its writer, had it lived on, finds its file gone: never half a file kept.
    with pytest.raises(FileNotFoundError):
        abandoned.commit()
    assert not rt.files.exists(abandoned.file_id)
    live.commit()
    assert rt.files.exists(live.file_id) and rt.files.pending_ids() == []
    assert _rows(session) == (1, 1)


KILLED_WRITER = """
import os, sys
from sqlalchemy import create_engine
from app.storage import DatabaseFileStore
store = DatabaseFileStore(create_engine(sys.argv[1]))
writer = store.begin_pending(store.new_file_id())
writer.write(b"ciphertext" * 100_000)
print(writer.file_id, flush=True)
os.kill(os.getpid(), 9)
"""


def _killed_upload(rt: Runtime) -> str:
    """A worker killed mid-upload: its pending rows stay, its key is gone."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", KILLED_WRITER, rt.settings.database_url],
        capture_output=True, timeout=60, check=False, cwd=Path(__file__).resolve().parents[2])
    file_id = result.stdout.decode().strip()
    assert rt.files.pending_ids() == [file_id], result.stderr.decode()[-2000:]
    return file_id


def test_a_pending_file_left_by_a_killed_worker_goes_with_the_next_upload_request(
        client, session, rt, units, make_staff):
    make_staff("intake")
    session.commit()
    orphan = _killed_upload(rt)
    response = send(client, report_fields(units), files=[(PDF, "a.pdf")])
    assert response.status_code == 200
    assert rt.files.pending_ids() == [orphan]  # within its lease: perhaps still alive
    age(rt, orphan, PENDING_LEASE + timedelta(seconds=1), pending=True)
    response = send(client, report_fields(units), files=[(PDF, "b.pdf")])
    assert response.status_code == 200
    assert rt.files.pending_ids() == []
    kept = set(session.scalars(select(Attachment.file_id)))
    assert len(kept) == 2 and set(leftovers(rt)) == kept


def test_a_pending_file_left_by_a_killed_worker_goes_with_the_retention_run(session, rt):
    orphan = _killed_upload(rt)
    in_flight = rt.files.begin_pending(rt.files.new_file_id())
    age(rt, orphan, PENDING_LEASE + timedelta(seconds=1), pending=True)
    assert remove_orphan_files(session, rt) == 1
    assert rt.files.pending_ids() == [in_flight.file_id]
    in_flight.commit()  # an upload in flight is unaffected: it can still be kept
    assert rt.files.exists(in_flight.file_id) and rt.files.pending_ids() == []


def test_deleting_a_file_removes_its_rows_and_a_reader_fails_rather_than_ends_early(rt,
                                                                                   session):
    file_id = rt.files.new_file_id()
    rt.files.write(file_id, [os.urandom(3 * CHUNK_SIZE)])
    handle = rt.files.open(file_id)
    assert len(handle.read(10)) == 10
    rt.files.delete(file_id)
    assert _rows(session) == (0, 0)
    with pytest.raises(FileNotFoundError):
        handle.read(2 * CHUNK_SIZE)
    handle.close()

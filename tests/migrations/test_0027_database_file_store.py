"""Migration 0027 (issue #26): the database file store's tables, with rows
written into them; the chunks go with their file; down and up again. On
SQLite and, with DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, event, inspect, text

from tests.migrations.test_migrations import (
    alembic_config,
    empty_database,  # noqa: F401 - the fixture
)


def test_0027_keeps_files_in_chunks_that_go_with_their_file(empty_database):  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "0026")
    engine = create_engine(empty_database)
    assert "stored_file" not in inspect(engine).get_table_names()
    engine.dispose()
    command.upgrade(config, "0027")
    engine = create_engine(empty_database)
    if engine.dialect.name == "sqlite":
        # As the app's engine does (app/web/extensions.py).
        event.listen(engine, "connect",
                     lambda conn, _record: conn.execute("PRAGMA foreign_keys=ON"))
    try:
        with engine.begin() as conn:
            for file_id, pending in (("a" * 32, False), ("b" * 32, True)):
                conn.execute(text(
                    "INSERT INTO stored_file (file_id, pending, size, modified_at)"
                    " VALUES (:id, :pending, 6, '2026-12-02 00:00:00')"),
                    {"id": file_id, "pending": pending})
                for seq, data in enumerate((b"abc", b"def")):
                    conn.execute(text("INSERT INTO stored_file_chunk (file_id, seq, data)"
                                      " VALUES (:id, :seq, :data)"),
                                 {"id": file_id, "seq": seq, "data": data})
        with engine.begin() as conn:
            rows = conn.execute(text(
                "SELECT c.data FROM stored_file_chunk c JOIN stored_file f"
                " ON f.file_id = c.file_id WHERE NOT f.pending ORDER BY c.seq")).scalars().all()
            assert b"".join(bytes(r) for r in rows) == b"abcdef"
            conn.execute(text("DELETE FROM stored_file WHERE file_id = :id"), {"id": "a" * 32})
            assert conn.execute(text(
                "SELECT DISTINCT file_id FROM stored_file_chunk")).scalars().all() == ["b" * 32]
            if engine.dialect.name == "postgresql":
                # Ciphertext does not compress: TOAST stores it as it is.
                assert conn.execute(text(
                    "SELECT attstorage FROM pg_attribute WHERE attrelid ="
                    " 'stored_file_chunk'::regclass AND attname = 'data'")).scalar() == "e"
    finally:
        engine.dispose()

    command.downgrade(config, "0026")
    engine = create_engine(empty_database)
    try:
        names = inspect(engine).get_table_names()
        assert "stored_file" not in names and "stored_file_chunk" not in names
    finally:
        engine.dispose()
    command.upgrade(config, "head")

"""Migration 0022 (issue #24): the tables of persons concerned, their index,
hearings, data-subject requests and requests to the ICC, added beside
existing cases, with real rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from tests.migrations.test_migrations import (
    _insert_case,
    _insert_unit,
    _insert_user,
    alembic_config,
    empty_database,  # noqa: F401 - the fixture
)

TABLES = {"person_concerned", "person_index", "hearing", "hearing_version", "subject_request",
          "repeat_review"}


def _rows_of_one_case(conn, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """A person with an index entry, a hearing with a version, a request and
    a request to the ICC, all on one case (ids = the case id)."""
    conn.execute(text(
        "INSERT INTO person_concerned (id, case_id, created_by_id, created_at,"
        " details_ciphertext, notice_status, deferral_ground, review_on)"
        " VALUES (:id, :id, 1, '2026-12-01', :blob, 'deferred', 'inquiry', '2026-12-20')"),
        {"id": case_id, "blob": b"\x02sealed"})
    conn.execute(text("INSERT INTO person_index (case_id, person_id, digest)"
                      " VALUES (:id, :id, :digest)"), {"id": case_id, "digest": b"d" * 32})
    conn.execute(text(
        "INSERT INTO hearing (id, case_id, person_id, held_on, status, current_version,"
        " created_at) VALUES (:id, :id, :id, '2026-12-01', 'approved', 1, '2026-12-01')"),
        {"id": case_id})
    conn.execute(text(
        "INSERT INTO hearing_version (hearing_id, case_id, version, created_at,"
        " body_ciphertext) VALUES (:id, :id, 1, '2026-12-01', :blob)"),
        {"id": case_id, "blob": b"\x02minutes"})
    conn.execute(text(
        "INSERT INTO subject_request (case_id, person_id, kind, received_on, due_on,"
        " created_at, details_ciphertext) VALUES (:id, :id, 'access', '2026-12-01',"
        " '2027-01-01', '2026-12-01', :blob)"), {"id": case_id, "blob": b"\x02request"})
    conn.execute(text("INSERT INTO repeat_review (case_id, person_id, requested_at)"
                      " VALUES (:id, :id, '2026-12-01')"), {"id": case_id})


def test_0022_adds_the_persons_tables_beside_existing_cases(empty_database):  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "0020")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_user(conn, 1)
            for case_id in (1, 2):
                _insert_case(conn, case_id, track="report", state="inquiry")
        command.upgrade(config, "0022")
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA foreign_keys = ON"))
            for case_id in (1, 2):
                _rows_of_one_case(conn, case_id)
            # One digest per person.
            assert conn.execute(text("SELECT COUNT(*) FROM person_index")).scalar() == 2
            # A deleted case takes all of it along (the retention sweep's last step).
            conn.execute(text("DELETE FROM case_file WHERE id = 1"))
            for table in sorted(TABLES):
                left = conn.execute(text(f"SELECT case_id FROM {table}")).scalars().all()  # noqa: S608
                assert left == [2], table
            # A person's removal takes their index entry, hearing and review,
            # and leaves the request (who asked is kept in the request).
            conn.execute(text("DELETE FROM person_concerned WHERE id = 2"))
            assert conn.execute(text("SELECT COUNT(*) FROM person_index")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM hearing_version")).scalar() == 0
            assert conn.execute(text(
                "SELECT person_id FROM subject_request")).scalars().all() == [None]
        command.downgrade(config, "0020")
        engine.dispose()
        engine = create_engine(empty_database)
        assert not TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM case_file")).scalar() == 1
            assert conn.execute(text("SELECT COUNT(*) FROM user_account")).scalar() == 1
        command.upgrade(config, "head")
    finally:
        engine.dispose()

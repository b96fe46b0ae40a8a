"""Migration 0028 (issue #24): the tallies of hearings held and notices
deferred, added beside existing cases and tallies with real rows, on SQLite
and PostgreSQL, and taken away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from tests.migrations.test_migrations import (
    _insert_case,
    _insert_unit,
    alembic_config,
    empty_database,  # noqa: F401 - the fixture
)


def test_0028_adds_the_person_event_tallies_beside_existing_rows(empty_database):  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "0026")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_case(conn, 1, track="report", state="inquiry")
        command.upgrade(config, "0028")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO person_event_tally (kind, code, on_day, unit_id, recorded_at)"
                " VALUES ('hearing', 'approved', '2025-04-01', 1, '2026-12-01'),"
                " ('hearing', 'declined', '2025-05-01', NULL, '2026-12-01'),"
                " ('notice_deferred', 'inquiry', '2025-12-31', 1, '2026-12-01')"))
            counted = conn.execute(text(
                "SELECT kind, COUNT(*) FROM person_event_tally"
                " WHERE on_day >= '2025-01-01' AND on_day < '2026-01-01'"
                " GROUP BY kind ORDER BY kind")).all()
            assert [tuple(row) for row in counted] == [("hearing", 2), ("notice_deferred", 1)]
            assert conn.execute(text("SELECT COUNT(*) FROM case_file")).scalar() == 1
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("person_event_tally")}
        assert "ix_person_event_tally_day" in indexes
        engine.dispose()
        command.downgrade(config, "0026")
        engine = create_engine(empty_database)
        assert "person_event_tally" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM case_file")).scalar() == 1
        command.upgrade(config, "head")
        assert "person_event_tally" in inspect(engine).get_table_names()
    finally:
        engine.dispose()

"""Migration 0018 (issue #26): an audit log chained under the lock — also one
already pruned under an anchor — stays verifiable as it is; new entries are
numbered after the highest number ever used and sealed onto its end; the
downgrade goes back while every entry sits at its own number and refuses
otherwise. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from app.audit.log import GENESIS, AuditLog, _hash
from app.vocabulary import AuditAction
from tests.migrations.test_migrations import alembic_config, empty_database  # noqa: F401

KEY = os.urandom(32)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _old_chain(conn, log: AuditLog, seqs: range, *, prev: str = GENESIS) -> str:  # type: ignore[no-untyped-def]
    """Entries as the log wrote them before 0018: chained as written."""
    for seq in seqs:
        at = START + timedelta(minutes=seq)
        fields = ("system", "case.open", "case", f"MP-OLD-{seq}", "ok", "cli")
        digest = _hash(prev, seq, at, *fields)
        conn.execute(text(
            "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id, result,"
            " origin, prev_hash, entry_hash, mac) VALUES (:seq, :at, :a, :ac, :ot, :oi, :r, :o,"
            " :p, :h, :m)"),
            {"seq": seq, "at": at.replace(tzinfo=None), "a": fields[0], "ac": fields[1],
             "ot": fields[2], "oi": fields[3], "r": fields[4], "o": fields[5], "p": prev,
             "h": digest, "m": log._mac(digest)})
        prev = digest
    return prev


def test_a_log_chained_before_0018_stays_verifiable_and_grows_by_sealing(empty_database):  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "0016")
    log = AuditLog(KEY)
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            # Entries 1-3 were pruned long ago: an anchor vouches for them.
            prev = GENESIS
            for seq in range(1, 4):
                prev = _hash(prev, seq, START + timedelta(minutes=seq), "system", "case.open",
                             "case", f"MP-OLD-{seq}", "ok", "cli")
            at3 = START + timedelta(minutes=3)
            conn.execute(text(
                "INSERT INTO audit_anchor (seq, entry_hash, entry_at, pruned_at, mac)"
                " VALUES (3, :h, :at, :at, :m)"),
                {"h": prev, "at": at3.replace(tzinfo=None),
                 "m": log.anchor_mac(3, prev, at3)})
            _old_chain(conn, log, range(4, 9), prev=prev)
        command.upgrade(config, "head")
        with Session(engine) as session:
            before = log.verify(session)
            assert before.ok and before.checked == 5 and before.start_seq == 3
            entry = log.record(session, actor="system", action=AuditAction.CASE_OPEN,
                               object_type="case", object_id="MP-NEW", origin="cli")
            session.commit()
            assert entry.seq == 9
            assert log.seal(session) == 1
            session.commit()
            after = log.verify(session)
            assert after.ok and after.checked == 6
            assert log.head(session)[0] == 9
            # An edit of an entry from before the migration is still found.
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = replica"))
            conn.execute(text("UPDATE audit_entry SET actor = 'user:1' WHERE seq = 5"))
        with Session(engine) as session:
            broken = log.verify(session)
            assert not broken.ok and broken.first_broken_seq == 5
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = replica"))
            conn.execute(text("UPDATE audit_entry SET actor = 'system' WHERE seq = 5"))

        # Every entry at its own number: back to 0016, the rows kept.
        command.downgrade(config, "0016")
        engine.dispose()
        engine = create_engine(empty_database)
        columns = {c["name"] for c in inspect(engine).get_columns("audit_entry")}
        assert "chain_pos" not in columns and "row_mac" not in columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_entry")).scalar() == 6
        command.upgrade(config, "head")
        with Session(engine) as session:
            assert log.verify(session).checked == 6
    finally:
        engine.dispose()


def test_the_downgrade_refuses_entries_sealed_away_from_their_number(empty_database):  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    log = AuditLog(KEY)
    engine = create_engine(empty_database)
    try:
        with Session(engine) as session:
            log.record(session, actor="system", action=AuditAction.CASE_OPEN, origin="cli")
            session.commit()
            # A number skipped (a rolled-back transaction), then one more entry.
            if engine.dialect.name == "postgresql":
                session.execute(text("SELECT nextval('audit_entry_seq_seq')"))
            else:
                session.execute(text(
                    "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'audit_entry'"))
            session.commit()
            log.record(session, actor="system", action=AuditAction.CASE_OPEN, origin="cli")
            session.commit()
            log.seal(session)
            session.commit()
            assert log.verify(session).ok
        with pytest.raises(RuntimeError, match="audit seal"):
            command.downgrade(config, "0016")
    finally:
        engine.dispose()

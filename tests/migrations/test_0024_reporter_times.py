"""Migration 0024 (issue #25): reporter-driven times already written are cut
to the start of their local day (Europe/Amsterdam); staff times and the
deadlines stay as they were; open mailboxes close and lose last_seen_at.
On SQLite and, with DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import create_engine, inspect, text

from tests.migrations.test_migrations import (
    _insert_case,
    _insert_unit,
    _insert_user,
    alembic_config,
    empty_database,  # noqa: F401 - the fixture
)


def _at(value: object) -> datetime:
    """SQLite hands back text, PostgreSQL naive datetimes: compare as datetimes."""
    return datetime.fromisoformat(str(value))


# (row, column): (written before, expected after). Times are naive UTC.
# 00:30 on New Year's Day in Amsterdam is 23:30 UTC on New Year's Eve: its
# day starts at 23:00 UTC on 31 December; in summer a day starts at 22:00.
NEW_YEAR = ("2025-12-31 23:30:00.123456", "2025-12-31 23:00:00")
SUMMER = ("2026-06-15 14:24:07.500000", "2026-06-14 22:00:00")
WINTER = ("2026-03-02 10:11:12", "2026-03-01 23:00:00")
STAFF = "2026-03-03 09:15:42.250000"  # kept


def test_0024_cuts_the_reporters_times_to_their_local_day(empty_database):  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "0020")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_user(conn, 1)
            _insert_case(conn, 1, track="advice", state="closed")
            _insert_case(conn, 2, track="report", state="closed")
            conn.execute(text(
                "UPDATE case_file SET received_at = :received, consent_given_at = :summer,"
                " consent_withdrawn_at = :winter, closed_at = :winter,"
                " close_reason = 'withdrawn', acknowledge_due_at = '2026-01-08 22:59:59.999999'"
                " WHERE id = 1"),
                {"received": NEW_YEAR[0], "summer": SUMMER[0], "winter": WINTER[0]})
            conn.execute(text("UPDATE case_file SET received_at = :summer, closed_at = :staff,"
                              " close_reason = 'decided' WHERE id = 2"),
                         {"summer": SUMMER[0], "staff": STAFF})
            for row_id, kind, at in ((1, "reporter", WINTER[0]), (2, "staff", STAFF)):
                conn.execute(text(
                    "INSERT INTO message (id, case_id, author_kind, author_id, created_at,"
                    " body_ciphertext) VALUES (:id, 1, :kind, :author, :at, :body)"),
                    {"id": row_id, "kind": kind, "author": 1 if kind == "staff" else None,
                     "at": at, "body": b"x"})
                conn.execute(text(
                    "INSERT INTO attachment (id, case_id, file_id, meta_ciphertext,"
                    " file_key_ciphertext, uploaded_by_kind, uploaded_by_id, created_at)"
                    " VALUES (:id, 1, :file, :m, :k, :kind, :author, :at)"),
                    {"id": row_id, "file": f"f{row_id}", "m": b"m", "k": b"k", "kind": kind,
                     "author": 1 if kind == "staff" else None, "at": at})
            conn.execute(text(
                "INSERT INTO identity_consent (id, case_id, recipient, given_at, withdrawn_at)"
                " VALUES (1, 2, 'ic', :summer, :winter)"),
                {"summer": SUMMER[0], "winter": WINTER[0]})
            conn.execute(text(
                "INSERT INTO receipt (id, case_id, locator, salt, kdf_params, verifier,"
                " created_at, handed_over) VALUES (1, 1, 'abcd', :b, '{}', :b, :at, false)"),
                {"b": b"b", "at": NEW_YEAR[0]})
            for row_id, recipient, user, granted_by, at in (
                    (1, "reporter", None, None, SUMMER[0]),
                    (2, "user:1", 1, None, WINTER[0]),     # made at sending: nobody granted
                    (3, "recovery", None, 1, STAFF)):      # a staff grant
                conn.execute(text(
                    "INSERT INTO key_wrap (id, case_id, recipient, user_id, suite_id,"
                    " key_fingerprint, granted_by_id, granted_at) VALUES (:id, 1, :recipient,"
                    " :user, 's', 'fp', :by, :at)"),
                    {"id": row_id, "recipient": recipient, "user": user, "by": granted_by,
                     "at": at})
            conn.execute(text(
                "INSERT INTO compartment_wrap (id, key_wrap_id, case_id, compartment,"
                " generation, wrapped_key, created_at) VALUES (1, 1, 1, 'report', 1, :k, :at)"),
                {"k": b"k", "at": SUMMER[0]})
            for row_id, via, status, decided in ((1, "mailbox", "approved", SUMMER[0]),
                                                 (2, "paper", "approved", STAFF)):
                conn.execute(text(
                    "INSERT INTO meeting_minutes (id, case_id, meeting_on, status,"
                    " current_version, decided_at, approved_via, created_at) VALUES"
                    " (:id, 1, '2026-06-10', :status, 1, :decided, :via, :staff)"),
                    {"id": row_id, "status": status, "decided": decided, "via": via,
                     "staff": STAFF})
            conn.execute(text(
                "INSERT INTO minutes_version (id, minutes_id, case_id, version, created_at,"
                " body_ciphertext, corrected_at) VALUES (1, 1, 1, 1, :staff, :b, :winter)"),
                {"staff": STAFF, "b": b"b", "winter": WINTER[0]})
            conn.execute(text(
                "INSERT INTO reporter_session (id, case_id, sealed_case_key, created_at,"
                " last_seen_at, new_code_pending) VALUES ('s', 1, :k, :at, :at, false)"),
                {"k": b"sealed", "at": SUMMER[0]})

        command.upgrade(config, "0024")

        def value(query: str) -> datetime:
            with engine.connect() as conn:
                return _at(conn.execute(text(query)).scalar())

        expected = {
            "SELECT received_at FROM case_file WHERE id = 1": NEW_YEAR[1],
            "SELECT consent_given_at FROM case_file WHERE id = 1": SUMMER[1],
            "SELECT consent_withdrawn_at FROM case_file WHERE id = 1": WINTER[1],
            "SELECT closed_at FROM case_file WHERE id = 1": WINTER[1],  # withdrawn
            "SELECT acknowledge_due_at FROM case_file WHERE id = 1":
                "2026-01-08 22:59:59.999999",  # deadlines stay
            "SELECT received_at FROM case_file WHERE id = 2": SUMMER[1],
            "SELECT closed_at FROM case_file WHERE id = 2": STAFF,  # decided by staff
            "SELECT created_at FROM message WHERE id = 1": WINTER[1],
            "SELECT created_at FROM message WHERE id = 2": STAFF,
            "SELECT created_at FROM attachment WHERE id = 1": WINTER[1],
            "SELECT created_at FROM attachment WHERE id = 2": STAFF,
            "SELECT given_at FROM identity_consent": SUMMER[1],
            "SELECT withdrawn_at FROM identity_consent": WINTER[1],
            "SELECT created_at FROM receipt": NEW_YEAR[1],
            "SELECT granted_at FROM key_wrap WHERE id = 1": SUMMER[1],
            "SELECT granted_at FROM key_wrap WHERE id = 2": WINTER[1],
            "SELECT granted_at FROM key_wrap WHERE id = 3": STAFF,
            "SELECT created_at FROM compartment_wrap": SUMMER[1],
            "SELECT decided_at FROM meeting_minutes WHERE id = 1": SUMMER[1],
            "SELECT decided_at FROM meeting_minutes WHERE id = 2": STAFF,
            "SELECT created_at FROM meeting_minutes WHERE id = 1": STAFF,
            "SELECT corrected_at FROM minutes_version": WINTER[1],
            "SELECT created_at FROM minutes_version": STAFF,
        }
        assert {query: value(query) for query in expected} == {
            query: _at(at) for query, at in expected.items()}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM reporter_session")).scalar() == 0
        columns = {c["name"] for c in inspect(engine).get_columns("reporter_session")}
        assert "last_seen_at" not in columns

        # Again: nothing moves further.
        command.downgrade(config, "0020")
        engine.dispose()
        columns = {c["name"] for c in inspect(engine).get_columns("reporter_session")}
        assert "last_seen_at" in columns
        command.upgrade(config, "0024")
        assert {query: value(query) for query in expected} == {
            query: _at(at) for query, at in expected.items()}
    finally:
        engine.dispose()

"""The schema lives only in Alembic migrations: after `upgrade head` it equals
the models' metadata, and every revision goes up and down; on SQLite and,
when DATABASE_URL points at PostgreSQL, on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.config import _normalise_database_url
from app.models import Base
from tests.conftest import BASE_URL, ON_POSTGRES, _worker, endorse_with_test_anchor

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _fresh_postgres() -> Iterator[str]:
    base = make_url(_normalise_database_url(BASE_URL))
    name = f"{base.database}_migrations_{_worker()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The URL of a new, empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL: set DATABASE_URL=postgresql://... to run this on PostgreSQL")
    yield from _fresh_postgres()


def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": False})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_one_linear_history():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    assert len(_revisions()) >= 2


def test_schema_after_upgrade_head_equals_the_models(empty_database):
    command.upgrade(alembic_config(empty_database), "head")
    diff = _diff(empty_database)
    assert diff == [], "\n".join(map(str, diff))
    assert _tables(empty_database) == set(Base.metadata.tables)


def test_every_revision_upgrades_and_downgrades(empty_database):
    config = alembic_config(empty_database)
    revisions = _revisions()
    # One step at a time, up and down each step.
    for revision in revisions:
        command.upgrade(config, revision)
        command.downgrade(config, "-1")
        command.upgrade(config, revision)
    assert _diff(empty_database) == []
    # base -> head -> base -> head
    command.downgrade(config, "base")
    assert _tables(empty_database) == set()
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert _tables(empty_database) == set()
    command.upgrade(config, "head")
    assert _diff(empty_database) == []


def test_data_survives_an_upgrade_from_the_first_revision(empty_database):
    config = alembic_config(empty_database)
    first = _revisions()[0]
    command.upgrade(config, first)
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO unit (code, name, kind, active) VALUES ('u1', 'Unit', 'unit', true)"
            ))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM unit WHERE code = 'u1'")).scalar() == "Unit"
    finally:
        engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
def test_audit_entries_can_not_be_updated_or_deleted_on_postgres():
    for url in _fresh_postgres():
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id,"
                    " result, origin, prev_hash, entry_hash, mac) VALUES (1, now(), 'system',"
                    " 'test', '', '', 'ok', 'cli', :h, :h, :h)"), {"h": "0" * 64})
            for statement in ("UPDATE audit_entry SET actor = 'someone else'",
                              "DELETE FROM audit_entry", "TRUNCATE audit_entry"):
                with pytest.raises(DBAPIError), engine.begin() as conn:
                    conn.execute(text(statement))
            with engine.connect() as conn:
                assert conn.execute(text("SELECT actor FROM audit_entry")).scalar() == "system"
        finally:
            engine.dispose()


def _insert_unit(conn) -> None:
    conn.execute(text("INSERT INTO unit (id, code, name, kind, active)"
                      " VALUES (1, 'u1', 'U', 'unit', true)"))


def _insert_user(conn, user_id: int, failed_logins: int = 0) -> None:
    conn.execute(text(
        "INSERT INTO user_account (id, email, display_name, unit_id, active,"
        " created_at, password_hash, password_changed_at, must_change_password,"
        " failed_logins) VALUES (:id, :email, 'X', 1, true, '2026-01-01', 'h',"
        " '2026-01-01', false, :failed)"),
        {"id": user_id, "email": f"u{user_id}@x.test", "failed": failed_logins})


def _insert_case(conn, case_id: int, *, track: str, state: str,  # type: ignore[no-untyped-def]
                 escalated_at: str | None = None) -> None:
    """A case row of unit 1 written as a migration of that time finds it
    (columns every revision from 0009 on has)."""
    conn.execute(text(
        "INSERT INTO case_file (id, number, unit_id, track, channel, intake_channel,"
        " state, received_at, acknowledge_due_at, feedback_due_at, version,"
        " typology_version, legal_hold, escalated_at) VALUES (:id, :number, 1, :track,"
        " 'confidential', 'web', :state, '2026-01-01', '2026-01-08', '2026-04-08', 1,"
        " 'rijk-2024', false, :escalated_at)"),
        {"id": case_id, "number": f"MP-{case_id}", "track": track, "state": state,
         "escalated_at": escalated_at})


def test_0010_fills_last_author_kind_from_the_newest_message(empty_database):
    """The queue's "waiting for reporter" reads case_file.last_author_kind:
    the migration that adds it fills it from the messages already there."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0009")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            for case_id in (1, 2, 3):
                _insert_case(conn, case_id, track="report", state="acknowledged")
            for case_id, author, at in ((1, "staff", "2026-01-02"), (1, "reporter", "2026-01-03"),
                                        (2, "reporter", "2026-01-02"), (2, "staff", "2026-01-05")):
                conn.execute(text(
                    "INSERT INTO message (case_id, author_kind, created_at, body_ciphertext)"
                    " VALUES (:case_id, :author, :at, :body)"),
                    {"case_id": case_id, "author": author, "at": at, "body": b"x"})
        command.upgrade(config, "0010")
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, last_author_kind FROM case_file")).all())
        assert rows == {1: "reporter", 2: "staff", 3: None}
    finally:
        engine.dispose()


def test_0011_makes_escalated_cases_and_their_tallies_formal_reports(empty_database):
    """Issue #17: a case passed on by the counsellor is a formal report. The
    migration corrects the escalated cases and tallies already there (and
    only those); the downgrade restores them."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0010")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            # 1: escalated advice case; 2: advice case never escalated;
            # 3: a formal report from the start.
            for case_id, track, escalated_at in ((1, "advice", "2026-02-01"),
                                                 (2, "advice", None), (3, "report", None)):
                _insert_case(conn, case_id, track=track, state="closed",
                             escalated_at=escalated_at)
            for tally_id, track, escalated in ((1, "advice", True), (2, "advice", False),
                                               (3, "report", False)):
                conn.execute(text(
                    "INSERT INTO case_tally (id, unit_id, track, typology_version, channel,"
                    " intake_channel, received_on, escalated, recorded_at) VALUES (:id, 1,"
                    " :track, 'rijk-2024', 'confidential', 'web', '2020-01-01', :escalated,"
                    " '2026-01-01')"),
                    {"id": tally_id, "track": track, "escalated": escalated})

        def tracks() -> tuple[dict[int, str], dict[int, str]]:
            with engine.connect() as conn:
                return (dict(conn.execute(text("SELECT id, track FROM case_file")).all()),
                        dict(conn.execute(text("SELECT id, track FROM case_tally")).all()))

        command.upgrade(config, "0011")
        assert tracks() == ({1: "report", 2: "advice", 3: "report"},
                            {1: "report", 2: "advice", 3: "report"})
        command.downgrade(config, "0010")
        assert tracks() == ({1: "advice", 2: "advice", 3: "report"},
                            {1: "advice", 2: "advice", 3: "report"})
    finally:
        engine.dispose()


def test_0013_attributes_a_case_to_the_only_counsellor_holding_it(empty_database):
    """Issue #17 defect 4: the VP annual report counts per VP. The migration
    that adds case_file.counsellor_id fills it where one VP holds a case that
    reached a counsellor; a case two VPs hold, a formal report a VP happens to
    hold and a case no VP holds stay unattributed. The tallies gain empty
    columns and the narratives table takes rows; the downgrade removes them."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0011")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            for user_id, role in ((1, "vertrouwenspersoon"), (2, "vertrouwenspersoon"),
                                  (3, "integriteitscoordinator"), (4, "intake")):
                _insert_user(conn, user_id)
                conn.execute(text("INSERT INTO user_role (user_id, role) VALUES (:id, :role)"),
                             {"id": user_id, "role": role})
            # 1: advice, VP 1 and intake hold it; 2: advice, VPs 1 and 2;
            # 3: escalated to a report, VP 2 and the IC; 4: a formal report
            # VP 1 holds (not through a counsellor); 5: advice, nobody.
            cases = ((1, "advice", "closed", None), (2, "advice", "with_vp", None),
                     (3, "report", "with_ic", "2026-02-01"), (4, "report", "with_ic", None),
                     (5, "advice", "acknowledged", None))
            for case_id, track, state, escalated_at in cases:
                _insert_case(conn, case_id, track=track, state=state,
                             escalated_at=escalated_at)
            for case_id, user_id in ((1, 1), (1, 4), (2, 1), (2, 2), (3, 2), (3, 3), (4, 1)):
                conn.execute(text(
                    "INSERT INTO key_wrap (case_id, recipient, user_id, suite_id,"
                    " key_fingerprint, wrapped_key, granted_at) VALUES (:case_id, :recipient,"
                    " :user_id, 's', 'f', :key, '2026-01-01')"),
                    {"case_id": case_id, "recipient": f"user:{user_id}", "user_id": user_id,
                     "key": b"k"})
            conn.execute(text(
                "INSERT INTO case_tally (id, unit_id, track, typology_version, channel,"
                " intake_channel, received_on, escalated, recorded_at) VALUES (1, 1, 'advice',"
                " 'rijk-2024', 'confidential', 'web', '2020-01-01', false, '2026-01-01')"))
        command.upgrade(config, "0013")
        with engine.begin() as conn:
            assert dict(conn.execute(text("SELECT id, counsellor_id FROM case_file")).all()) == {
                1: 1, 2: None, 3: 2, 4: None, 5: None}
            assert conn.execute(text(
                "SELECT counsellor_id, referred_to FROM case_tally")).one() == (None, None)
            conn.execute(text(
                "INSERT INTO vp_narrative (counsellor_id, year, body, created_at, updated_at,"
                " updated_by_id) VALUES (1, 2026, 'Een rustig jaar.', '2027-01-05',"
                " '2027-01-05', 1)"))
        command.downgrade(config, "0011")
        assert "vp_narrative" not in _tables(empty_database)
        engine.dispose()
        engine = create_engine(empty_database)
        columns = {c["name"] for c in inspect(engine).get_columns("case_file")}
        assert "counsellor_id" not in columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM case_file")).scalar() == 5
    finally:
        engine.dispose()


def _naive_utc(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def test_0012_puts_the_deadlines_of_open_cases_on_the_local_calendar(empty_database):
    """Issue #17 defect 3: the open cases' deadlines are recomputed as days
    on the Amsterdam calendar; closed cases keep theirs (history); the
    downgrade restores the UTC arithmetic the code wrote before."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0011")
    engine = create_engine(empty_database)
    # Received Saturday 28 March 2026 at 23:30 Amsterdam (22:30 UTC), the
    # night before the clocks go forward; case 2 acknowledged on 30 November
    # 2025 at 00:30 Amsterdam (23:30 UTC on the 29th).
    old = {  # what the code before 0012 wrote, in UTC
        1: ("2026-03-28 22:30:00", None, "2026-04-04 22:30:00", "2026-07-04 22:30:00"),
        2: ("2025-11-20 09:00:00", "2025-11-29 23:30:00", "2025-11-27 09:00:00",
            "2026-02-28 23:30:00"),
        3: ("2026-03-28 22:30:00", None, "2026-04-04 22:30:00", "2026-07-04 22:30:00"),
    }
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            for case_id, state in ((1, "received"), (2, "acknowledged"), (3, "closed")):
                _insert_case(conn, case_id, track="report", state=state)
                received, acknowledged, ack_due, feedback_due = old[case_id]
                conn.execute(text(
                    "UPDATE case_file SET received_at = :received, acknowledged_at = :ack,"
                    " acknowledge_due_at = :ack_due, feedback_due_at = :feedback_due"
                    " WHERE id = :id"),
                    {"id": case_id, "received": received, "ack": acknowledged,
                     "ack_due": ack_due, "feedback_due": feedback_due})

        def deadlines() -> dict[int, tuple[str, str]]:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT id, acknowledge_due_at, feedback_due_at FROM case_file")).all()
            # SQLite hands back text, PostgreSQL datetimes: compare as datetimes.
            return {row[0]: (_naive_utc(row[1]), _naive_utc(row[2])) for row in rows}

        command.upgrade(config, "0012")
        assert deadlines() == {case_id: (_naive_utc(a), _naive_utc(f)) for case_id, (a, f) in {
            # End of Saturday 4 April (CEST, UTC+2); feedback: end of 4 July.
            1: ("2026-04-04 21:59:59.999999", "2026-07-04 21:59:59.999999"),
            # Acknowledged on the local day 30 November: feedback by the end
            # of 28 February 2026 (CET, UTC+1), not of 28 Feb UTC at 23:30.
            2: ("2025-11-27 22:59:59.999999", "2026-02-28 22:59:59.999999"),
            # Closed: untouched.
            3: ("2026-04-04 22:30:00", "2026-07-04 22:30:00"),
        }.items()}
        command.downgrade(config, "0011")
        assert deadlines() == {case_id: (_naive_utc(row[2]), _naive_utc(row[3]))
                               for case_id, row in old.items()}
    finally:
        engine.dispose()


def test_0014_counts_wrong_codes_per_bucket_and_wrong_second_factors_apart(empty_database):
    """Issue #25: the mailbox throttle gains a locator bucket (this minute's
    count for everybody becomes bucket 0's), users gain a counter of wrong
    second-factor codes (0; wrong passwords stay in failed_logins); the
    downgrade adds the buckets' counts up again."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0013")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_user(conn, 1, failed_logins=4)
            conn.execute(text("INSERT INTO mailbox_throttle (window_start, failures)"
                              " VALUES ('2026-12-14 10:00:00', 7)"))
        command.upgrade(config, "0014")
        with engine.begin() as conn:
            assert conn.execute(text(
                "SELECT failed_logins, failed_second_factors FROM user_account")).one() == (4, 0)
            assert conn.execute(text(
                "SELECT bucket, failures FROM mailbox_throttle")).one() == (0, 7)
            conn.execute(text("INSERT INTO mailbox_throttle (window_start, bucket, failures)"
                              " VALUES ('2026-12-14 10:00:00', 513, 2)"))
            conn.execute(text("UPDATE user_account SET failed_second_factors = 3"))
        command.downgrade(config, "0013")
        engine.dispose()
        engine = create_engine(empty_database)
        assert "failed_second_factors" not in {
            c["name"] for c in inspect(engine).get_columns("user_account")}
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT failures FROM mailbox_throttle")).scalars().all() == [9]
            assert conn.execute(text("SELECT failed_logins FROM user_account")).scalar() == 4
    finally:
        engine.dispose()


def test_0016_gives_existing_staff_messages_the_role_their_writer_held(empty_database):
    """Issue #21 defect 6: each staff message records the role its writer
    acted in. For the messages already there it is derived where the writer
    has one handler role (an IC who is also ICC counts as one: both show as
    integrity coordinator); a writer with several roles, a deleted writer and
    the reporter's own messages stay without one (the neutral label). The
    send-token table takes rows; the downgrade removes both."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0013")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            people = {1: ("intake",), 2: ("vertrouwenspersoon",), 3: ("integriteitscoordinator",),
                      4: ("integriteitscoordinator", "icc"), 5: ("intake", "vertrouwenspersoon"),
                      6: ("intake", "admin")}
            for user_id, roles in people.items():
                _insert_user(conn, user_id)
                for role in roles:
                    conn.execute(text("INSERT INTO user_role (user_id, role) VALUES (:id, :role)"),
                                 {"id": user_id, "role": role})
            _insert_case(conn, 1, track="report", state="with_ic")
            messages = ((1, "staff", 1), (2, "staff", 2), (3, "staff", 3), (4, "staff", 4),
                        (5, "staff", 5), (6, "staff", 6), (7, "staff", None),
                        (8, "reporter", None))
            for message_id, kind, author_id in messages:
                conn.execute(text(
                    "INSERT INTO message (id, case_id, author_kind, author_id, created_at,"
                    " body_ciphertext) VALUES (:id, 1, :kind, :author, '2026-01-02', :body)"),
                    {"id": message_id, "kind": kind, "author": author_id, "body": b"x"})
        command.upgrade(config, "0016")
        with engine.begin() as conn:
            roles = dict(conn.execute(text("SELECT id, author_role FROM message")).all())
            assert roles == {1: "intake", 2: "vertrouwenspersoon", 3: "integriteitscoordinator",
                             4: "integriteitscoordinator", 5: None, 6: "intake", 7: None, 8: None}
            conn.execute(text("INSERT INTO send_token (digest, sent_on) VALUES (:d, '2026-01-02')"),
                         {"d": b"\x01" * 32})
        command.downgrade(config, "0013")
        assert "send_token" not in _tables(empty_database)
        engine.dispose()
        engine = create_engine(empty_database)
        assert "author_role" not in {c["name"] for c in inspect(engine).get_columns("message")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM message")).scalar() == 8
    finally:
        engine.dispose()


def test_0015_marks_the_receipts_staff_handed_over(empty_database):
    """Issue #18: a receipt code staff registered for a reporter must be
    replaced at the first sign-in. The migration marks the receipts of
    registered cases (recognised by their intake channel, or by the
    registration in the audit log) and makes mailboxes already open on them
    wait for the new code; receipts of the web form stay as they are. The
    downgrade drops the marks and keeps every receipt."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0014")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            # 1: the web form; 2: registered after a phone call; 3: registered
            # (the audit log says so) though its channel reads 'web'.
            for case_id in (1, 2, 3):
                _insert_case(conn, case_id, track="report", state="received")
                conn.execute(text(
                    "INSERT INTO receipt (case_id, locator, salt, kdf_params, verifier,"
                    " wrapped_key, created_at) VALUES (:id, :locator, :salt, 'p', :verifier,"
                    " :wrap, '2026-01-01')"),
                    {"id": case_id, "locator": f"0000000{case_id}", "salt": b"s",
                     "verifier": b"v", "wrap": b"w"})
                conn.execute(text(
                    "INSERT INTO reporter_session (id, case_id, sealed_case_key, created_at,"
                    " last_seen_at) VALUES (:sid, :id, :key, '2026-01-01', '2026-01-01')"),
                    {"sid": f"session-{case_id}", "id": case_id, "key": b"k"})
            conn.execute(text("UPDATE case_file SET intake_channel = 'phone' WHERE id = 2"))
            conn.execute(text(
                "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id,"
                " result, origin, prev_hash, entry_hash, mac) VALUES (1, '2026-01-01',"
                " 'user:1', 'report.registered', 'case', 'MP-3', 'ok', 'web', 'p', 'e', 'm')"))
        command.upgrade(config, "0015")
        with engine.begin() as conn:
            assert dict(conn.execute(text(
                "SELECT case_id, handed_over FROM receipt")).all()) == {
                1: False, 2: True, 3: True}
            assert dict(conn.execute(text(
                "SELECT case_id, new_code_pending FROM reporter_session")).all()) == {
                1: False, 2: True, 3: True}
        command.downgrade(config, "0014")
        engine.dispose()
        engine = create_engine(empty_database)
        assert "handed_over" not in {c["name"] for c in inspect(engine).get_columns("receipt")}
        assert "new_code_pending" not in {
            c["name"] for c in inspect(engine).get_columns("reporter_session")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM receipt")).scalar() == 3
    finally:
        engine.dispose()


def test_0017_keeps_cases_from_before_compartments_readable(empty_database, rt):
    """Issue #18: revision 0017 adds compartments without touching a case's
    ciphertext (the server alone can not re-encrypt it); a case written as
    0016 left it, with real keys, still opens for its holder afterwards and
    moves to compartments then (app/cases/legacy.py). Mailboxes left open
    hold the old key sealed: they are closed."""
    from sqlalchemy.orm import Session as OrmSession

    from app.accounts import trust
    from app.cases import custody, legacy
    from app.cases.content import read_identity, read_report
    from app.crypto.envelope import encrypt_field, new_case_key, wrap_case_key
    from app.crypto.kdf import Argon2Params
    from app.crypto.keys import (
        fingerprint,
        generate_keypair,
        load_public_key,
        protect_private_key,
        public_key_bytes,
    )
    from app.crypto.ratchet import KEYS_DIR_INFO
    from app.models import Case, User

    config = alembic_config(empty_database)
    command.upgrade(config, "0016")
    private = generate_keypair()
    public = public_key_bytes(private)
    key = new_case_key()
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_user(conn, 1)
            conn.execute(text(
                "UPDATE user_account SET public_key = :pub, private_key_protected = :prot,"
                " key_fingerprint = :fp WHERE id = 1"),
                {"pub": public, "fp": fingerprint(public), "prot": protect_private_key(
                    private, "pw", Argon2Params(1, 8, 1))})
            conn.execute(text("INSERT INTO user_role (user_id, role) VALUES (1, 'intake')"))
            _insert_case(conn, 1, track="report", state="received")
            conn.execute(text(
                "UPDATE case_file SET report_ciphertext = :report, identity_ciphertext = :name"
                " WHERE id = 1"),
                {"report": encrypt_field(key, b'{"what": "oud"}', case_id="MP-1", field="report"),
                 "name": encrypt_field(key, b'{"name": "N"}', case_id="MP-1", field="identity")})
            conn.execute(text(
                "INSERT INTO key_wrap (case_id, recipient, user_id, suite_id, key_fingerprint,"
                " wrapped_key, granted_at) VALUES (1, 'user:1', 1, :suite, :fp, :wrap,"
                " '2026-01-01')"),
                {"suite": "hpke-v1:MLKEM768-X25519:HKDF-SHA256:AES-256-GCM",
                 "fp": fingerprint(public), "wrap": wrap_case_key(
                     key, load_public_key(public), case_id="MP-1", recipient="user:1")})
            conn.execute(text(
                "INSERT INTO reporter_session (id, case_id, sealed_case_key, created_at,"
                " last_seen_at, new_code_pending) VALUES ('s', 1, :k, '2026-01-01',"
                " '2026-01-01', false)"), {"k": b"sealed old case key"})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM reporter_session")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM compartment_wrap")).scalar() == 0
        with OrmSession(engine, info={KEYS_DIR_INFO: rt.keyring.keys_dir}) as session:
            case = session.get(Case, 1)
            user = session.get(User, 1)
            # Issue #19: the key is endorsed (as at the first handlers'
            # ceremony after the upgrade) before anything is wrapped to it.
            assert not trust.endorsed(session, rt, user, "intake")
            user.signing_public = trust.signing_public_hex(private)
            endorse_with_test_anchor(session, rt, user)
            assert legacy.move_if_needed(session, rt, case, user, private)
            keys = custody.open_case_key(session, case, user, private)
            assert read_report(keys, case) == {"what": "oud"}
            assert read_identity(keys, case) is None  # intake: not the name
            assert session.scalar(text("SELECT wrapped_key FROM key_wrap WHERE user_id = 1")) \
                is None
        # Cases in compartments have no single key to go back to.
        with pytest.raises(RuntimeError):
            command.downgrade(config, "0016")
    finally:
        engine.dispose()


def test_0020_adds_the_reporter_events_and_the_outbox_beside_existing_cases(empty_database):
    """Issue #23: new tables only. Existing cases and users stay as they
    were; an event and its outbox row can be written for them, go with the
    case when it is deleted, and the downgrade drops the tables and nothing
    else."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0016")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_user(conn, 1)
            for case_id in (1, 2):
                _insert_case(conn, case_id, track="advice", state="with_vp")
        command.upgrade(config, "0020")
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA foreign_keys = ON"))
            for case_id in (1, 2):
                conn.execute(text(
                    "INSERT INTO reporter_event (id, case_id, kind, happened_on)"
                    " VALUES (:id, :id, 'consent_given', '2026-11-30')"), {"id": case_id})
                conn.execute(text("INSERT INTO notification (event_id, user_id)"
                                  " VALUES (:id, 1)"), {"id": case_id})
            conn.execute(text("INSERT INTO notify_preference (user_id, daily_digest)"
                              " VALUES (1, true)"))
            conn.execute(text("DELETE FROM case_file WHERE id = 1"))
            assert conn.execute(text("SELECT case_id FROM reporter_event")).scalars().all() == [2]
            assert conn.execute(text("SELECT event_id FROM notification")).scalars().all() == [2]
        engine.dispose()
        command.downgrade(config, "0016")
        _only_these_tables_went(empty_database, {"reporter_event", "notification",
                                                 "notify_preference"},
                                {"case_file": 1, "user_account": 1})
    finally:
        engine.dispose()


def _only_these_tables_went(url: str, gone: set[str], kept: dict[str, int]) -> None:
    """After a downgrade: the tables `gone` are gone, and the others still
    hold their rows (`kept`: table -> row count)."""
    engine = create_engine(url)
    try:
        assert not gone & set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            for table, count in kept.items():
                assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == count
    finally:
        engine.dispose()


def test_0025_adds_unread_marks_regrant_requests_and_news_addresses_beside_existing_rows(
        empty_database):
    """Issue #23: new tables only, starting empty. Existing cases, users and
    reporter events stay as they were; a mark, a request and an address can
    be written for them, go with the case (and the user) when deleted, and
    the downgrade drops the tables and nothing else."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0020")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            for user_id in (1, 2):
                _insert_user(conn, user_id)
            for case_id in (1, 2):
                _insert_case(conn, case_id, track="advice", state="with_vp")
                conn.execute(text(
                    "INSERT INTO reporter_event (id, case_id, kind, happened_on)"
                    " VALUES (:id, :id, 'reply', '2026-12-01')"), {"id": case_id})
        command.upgrade(config, "0025")
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA foreign_keys = ON"))
            for case_id in (1, 2):
                conn.execute(text("INSERT INTO case_seen (user_id, case_id, seen_event_id)"
                                  " VALUES (1, :id, :id)"), {"id": case_id})
                conn.execute(text(
                    "INSERT INTO regrant_request (case_id, target_id, requested_by_id, reason,"
                    " requested_at) VALUES (:id, 2, 1, 'holder_left', '2026-12-01')"),
                    {"id": case_id})
                conn.execute(text(
                    "INSERT INTO reporter_contact (case_id, key_fingerprint, wrapped_key,"
                    " address_ciphertext, news_pending) VALUES (:id, 'f', :b, :b, false)"),
                    {"id": case_id, "b": b"x"})
            conn.execute(text("DELETE FROM case_file WHERE id = 1"))
            for table in ("case_seen", "regrant_request", "reporter_contact"):
                assert conn.execute(text(f"SELECT case_id FROM {table}")).scalars().all() == [2]
            conn.execute(text("UPDATE regrant_request SET requested_by_id = NULL"))
            conn.execute(text("DELETE FROM user_account WHERE id = 2"))
            assert conn.execute(text("SELECT COUNT(*) FROM regrant_request")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM reporter_event")).scalar() == 1
        engine.dispose()
        command.downgrade(config, "0020")
        _only_these_tables_went(empty_database, {"case_seen", "regrant_request",
                                                 "reporter_contact"},
                                {"case_file": 1, "reporter_event": 1, "user_account": 1})
    finally:
        engine.dispose()


def test_0021_raises_rules_below_the_floors_and_keeps_the_audit_chain(empty_database, rt):
    """Issue #19: existing retention rules below the new floors are raised
    to their floor (with a history row); rules above stay. Audit entries
    written before the `target` column hash as before, so the chain still
    verifies; on PostgreSQL sealing still may not change an entry's target."""
    from sqlalchemy.orm import Session as OrmSession

    from app.audit.log import AuditLog

    config = alembic_config(empty_database)
    command.upgrade(config, "0020")
    engine = create_engine(empty_database)
    log = AuditLog(rt.keyring.audit_key)
    try:
        with engine.begin() as conn:
            # Entries as 0020's code wrote them: no target, a row HMAC.
            for seq in (1, 2, 3):
                at = datetime(2026, 1, 1, 12, 0, seq)
                conn.execute(text(
                    "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id,"
                    " result, origin, row_mac) VALUES (:seq, :at, 'system',"
                    " 'admin.unit_created', 'unit', :obj, 'ok', 'cli', :mac)"),
                    {"seq": seq, "at": at, "obj": f"u{seq}", "mac": log.row_mac(
                        seq, at, "system", "admin.unit_created", "unit", f"u{seq}", "ok",
                        "cli")})
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT setval('audit_entry_seq_seq', 3)"))
        with engine.begin() as conn:
            for track, outcome, months in (("report", "unfounded", 3), ("advice", "*", 6),
                                           ("report", "founded", 200), ("audit", "*", 300)):
                conn.execute(text("INSERT INTO retention_rule (track, outcome, months,"
                                  " updated_at) VALUES (:t, :o, :m, '2026-01-01')"),
                             {"t": track, "o": outcome, "m": months})
        command.upgrade(config, "0021")
        with engine.begin() as conn:
            rules = dict(((t, o), m) for t, o, m in conn.execute(text(
                "SELECT track, outcome, months FROM retention_rule")))
            assert rules == {("report", "unfounded"): 24, ("advice", "*"): 12,
                             ("report", "founded"): 200, ("audit", "*"): 300}
            history = conn.execute(text(
                "SELECT track, outcome, months, previous_months, status FROM retention_change"
                " ORDER BY track")).all()
            assert sorted(tuple(row) for row in history) == [
                ("advice", "*", 12, 6, "applied"), ("report", "unfounded", 24, 3, "applied")]
            assert conn.execute(text("SELECT COUNT(*) FROM audit_entry WHERE target <> ''")
                                ).scalar() == 0
        with OrmSession(engine) as session:
            log.record(session, actor="user:1", action="case.grant", object_type="case",
                       object_id="MP-1", target="user:2")
            session.commit()
            log.seal(session)
            session.commit()
            result = log.verify(session)
            assert result.ok and result.checked == 4, result
            if engine.dialect.name == "postgresql":
                with pytest.raises(DBAPIError):
                    session.execute(text("UPDATE audit_entry SET target = 'user:9'"))
                session.rollback()
        command.downgrade(config, "0020")
        assert "key_endorsement" not in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0026_seals_every_existing_wrap_to_a_day_and_the_downgrade_opens_them(
        empty_database, tmp_path):
    """Issue #20: given the keys folder (as `meldpunt init` and `db upgrade`
    give it), revision 0026 creates the erasure ratchet and seals every
    compartment wrap, single-key wrap and receipt value to today plus the
    lease; each opens again with the ratchet; the downgrade unseals them.
    Without the keys folder the rows stay as they were, unsealed."""
    from datetime import UTC, timedelta

    from app.crypto import ratchet

    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    config = alembic_config(empty_database)
    command.upgrade(config, "0021")
    engine = create_engine(empty_database)
    blobs = {"cw": b"hpke compartment wrap", "kw": b"hpke single case key wrap",
             "rp": b"sealed reporter private key", "rw": b"old receipt wrap"}
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            _insert_user(conn, 1)
            _insert_case(conn, 1, track="report", state="received")
            conn.execute(text(
                "INSERT INTO key_wrap (id, case_id, recipient, user_id, suite_id,"
                " key_fingerprint, wrapped_key, granted_at) VALUES (1, 1, 'user:1', 1, 's',"
                " 'fp', :kw, '2026-01-01')"), {"kw": blobs["kw"]})
            conn.execute(text(
                "INSERT INTO compartment_wrap (key_wrap_id, case_id, compartment, generation,"
                " wrapped_key, created_at) VALUES (1, 1, 'report', 1, :cw, '2026-01-01')"),
                {"cw": blobs["cw"]})
            conn.execute(text(
                "INSERT INTO receipt (case_id, locator, salt, kdf_params, verifier,"
                " private_key_ciphertext, wrapped_key, created_at, handed_over) VALUES"
                " (1, 'abcd1234', :s, '[1,8,1]', :v, :rp, :rw, '2026-01-01', false)"),
                {"s": b"salt", "v": b"verifier", "rp": blobs["rp"], "rw": blobs["rw"]})
        config.set_main_option("meldpunt.keys_dir", str(keys_dir))
        command.upgrade(config, "0026")
        keys = ratchet.day_keys(keys_dir)
        day = datetime.now(UTC).date() + timedelta(days=30)
        with engine.connect() as conn:
            rows = {
                "cw": conn.execute(text("SELECT wrapped_key, seal_day FROM compartment_wrap"))
                .one(),
                "kw": conn.execute(text("SELECT wrapped_key, seal_day FROM key_wrap")).one(),
                "rp": conn.execute(text("SELECT private_key_ciphertext, seal_day FROM receipt"))
                .one(),
                "rw": conn.execute(text("SELECT wrapped_key, seal_day FROM receipt")).one(),
            }
        kinds = {"cw": "compartment_wrap", "kw": "key_wrap", "rp": "receipt_private_key",
                 "rw": "receipt_wrap"}
        for name, (blob, seal_day) in rows.items():
            assert str(seal_day) == day.isoformat()
            assert bytes(blob) != blobs[name] and blobs[name] not in bytes(blob)
            assert ratchet.unseal(keys, bytes(blob), kind=kinds[name], day=day) == blobs[name]
        command.downgrade(config, "0021")
        with engine.connect() as conn:
            assert bytes(conn.execute(text("SELECT wrapped_key FROM compartment_wrap"))
                         .scalar()) == blobs["cw"]
            assert bytes(conn.execute(text("SELECT wrapped_key FROM receipt")).scalar()) \
                == blobs["rw"]
        # Without the keys folder: the columns come, the rows stay unsealed.
        plain = alembic_config(empty_database)
        command.upgrade(plain, "0026")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT seal_day FROM key_wrap")).scalar() is None
            assert bytes(conn.execute(text("SELECT wrapped_key FROM key_wrap")).scalar()) \
                == blobs["kw"]
    finally:
        engine.dispose()


def test_0029_lets_the_queue_counts_read_the_index_alone(empty_database):
    """The cases stay as they were, and on PostgreSQL a count of an intake
    officer's tab is answered from the queue index without reading the wide
    case rows (an index-only scan)."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0028")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _insert_unit(conn)
            for case_id in range(1, 41):
                _insert_case(conn, case_id, track=("report", "advice")[case_id % 2],
                             state=("received", "closed")[case_id % 4 == 0])
        command.upgrade(config, "0029")
        indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("case_file")}
        assert indexes["ix_case_file_queue"]["column_names"][:3] == ["state", "unit_id", "track"]
        assert "ix_case_file_state_unit" not in indexes
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM case_file"
                                     " WHERE state = 'received'")).scalar() == 30
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE case_file"))
                conn.execute(text("SET enable_seqscan = off"))
                plan = "\n".join(row[0] for row in conn.execute(text(
                    "EXPLAIN SELECT count(*) FROM case_file WHERE state = 'received'"
                    " AND shredded_at IS NULL AND acknowledged_at IS NULL"
                    " AND acknowledge_due_at < '2026-02-01' AND last_author_kind IS NULL")))
            assert "Index Only Scan using ix_case_file_queue" in plan, plan
        command.downgrade(config, "0028")
        engine.dispose()
        assert "ix_case_file_state_unit" in {
            ix["name"] for ix in inspect(engine).get_indexes("case_file")}
    finally:
        engine.dispose()

"""The `meldpunt` command: init is idempotent, demo seeds and prints codes,
the audit log verifies and names the entry that was edited or cut off."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.cli.demo import DEMO_PASSWORD, USERS, demo_email
from app.config import Settings
from app.models import AuditEntry, Case, User
from app.vocabulary import AuditAction
from tests.conftest import ON_POSTGRES, RECOVERY_PASSPHRASE
from tests.migrations.test_migrations import alembic_config

ENV = {"MELDPUNT_RECOVERY_PASSPHRASE": RECOVERY_PASSPHRASE}


def _fingerprints(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def _current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


@pytest.fixture()
def fresh_settings(settings: Settings, tmp_path: Path) -> Settings:
    """An instance on which nothing has run yet: no keys, no schema."""
    root = tmp_path / "fresh"
    return settings.with_changes(
        instance_dir=root, keys_dir=root / "keys", storage_dir=root / "storage",
        database_url=f"sqlite:///{root / 'meldpunt.db'}",
    )


def _init(settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    try:
        return app.test_cli_runner().invoke(args=["init"], env=ENV)
    finally:
        app.extensions["meldpunt.engine"].dispose()


def test_init_twice_changes_nothing(fresh_settings):
    first = _init(fresh_settings)
    assert first.exit_code == 0, first.output
    assert "recovery key" in first.output
    keys = _fingerprints(fresh_settings.keys_dir)
    assert {"session_secret", "receipt_pepper", "audit_hmac.key", "totp.key",
            "recovery.pub"} <= set(keys)
    offline = fresh_settings.instance_dir / "recovery-key.offline"
    assert offline.is_file()
    offline_before = offline.read_bytes()
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert _current_revision(fresh_settings.database_url) == head
    assert oct(fresh_settings.keys_dir.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600"
               for p in fresh_settings.keys_dir.iterdir())

    second = _init(fresh_settings)
    assert second.exit_code == 0, second.output
    assert "Created" not in second.output
    assert _fingerprints(fresh_settings.keys_dir) == keys
    assert offline.read_bytes() == offline_before
    assert _current_revision(fresh_settings.database_url) == head


def test_init_never_shows_the_passphrase_it_was_given(fresh_settings):
    result = _init(fresh_settings)
    assert RECOVERY_PASSPHRASE not in result.output


def test_init_generates_and_shows_a_passphrase_once_when_none_is_given(fresh_settings):
    app = create_app(fresh_settings)
    try:
        result = app.test_cli_runner().invoke(args=["init"], env={
            "MELDPUNT_RECOVERY_PASSPHRASE": ""})
    finally:
        app.extensions["meldpunt.engine"].dispose()
    assert result.exit_code == 0, result.output
    match = re.search(r"passphrase \(shown once[^)]*\): (\S+)", result.output)
    assert match
    from app.crypto.keys import unlock_private_key

    offline = fresh_settings.instance_dir / "recovery-key.offline"
    assert unlock_private_key(offline.read_bytes(), match.group(1))


def test_demo_seeds_once_and_prints_totp_codes(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for local, *_rest in USERS:
        assert demo_email(local) in result.output
    users = session.scalar(select(func.count()).select_from(User))
    cases = session.scalar(select(func.count()).select_from(Case))
    assert users == len(USERS) and cases >= 1

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert session.scalar(select(func.count()).select_from(User)) == users
    assert session.scalar(select(func.count()).select_from(Case)) == cases

    result = runner.invoke(args=["demo", "totp", demo_email("intake")])
    assert result.exit_code == 0
    assert re.fullmatch(r"\d{6}\n", result.output)
    refused = runner.invoke(args=["demo", "totp", "someone@example.test"])
    assert refused.exit_code != 0


def test_a_demo_intake_officer_signs_in_with_the_printed_code(app, client, session):
    from tests.conftest import post_form

    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    email = demo_email("intake")
    post_form(client, "/medewerkers/inloggen", {"email": email, "password": DEMO_PASSWORD})
    code = runner.invoke(args=["demo", "totp", email]).output.strip()
    response = post_form(client, "/medewerkers/inloggen/code", {"code": code})
    assert response.status_code == 302
    assert client.get("/medewerkers/").status_code == 200


def test_demo_refuses_production(settings):
    production = settings.with_changes(
        env="production", secret_key="a-production-secret-that-is-long-enough-0123456789",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        password_hash=type(settings.password_hash)(),
        key_derivation=type(settings.key_derivation)(),
        receipt_derivation=type(settings.receipt_derivation)(),
    )
    app = create_app(production)
    try:
        result = app.test_cli_runner().invoke(args=["demo"])
    finally:
        app.extensions["meldpunt.engine"].dispose()
    assert result.exit_code != 0
    assert "production" in result.output


# --- audit --------------------------------------------------------------------


def _some_entries(session, rt, count: int = 6) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        rt.audit.record(session, actor="system", action=AuditAction.CASE_OPEN, origin="cli")
    session.commit()
    # Appending takes no lock; the sealer links the entries into the chain
    # (after a web response, or `meldpunt audit seal`): these are sealed.
    rt.audit.seal(session)
    session.commit()


def _tamper(session, statement: str) -> None:  # type: ignore[no-untyped-def]
    """Edit the log behind the application's back (on PostgreSQL as a
    superuser who switches the append-only trigger off)."""
    if ON_POSTGRES:
        session.execute(text("SET session_replication_role = replica"))
    session.execute(text(statement))
    if ON_POSTGRES:
        session.execute(text("SET session_replication_role = DEFAULT"))
    session.commit()


def test_audit_verify_passes_then_names_the_edited_entry(app, session, rt):
    _some_entries(session, rt)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "6 entries" in result.output

    _tamper(session, "UPDATE audit_entry SET actor = 'user:99' WHERE seq = 4")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 4" in result.output


def test_audit_verify_detects_a_rebuilt_hash_without_the_hmac_key(app, session, rt):
    from app.audit.log import entry_hash

    _some_entries(session, rt)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == 3))
    entry.actor = "user:99"
    forged = entry_hash(entry.prev_hash, entry)
    session.rollback()
    _tamper(session, f"UPDATE audit_entry SET actor = 'user:99', entry_hash = '{forged}' "
                     "WHERE seq = 3")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry 3" in result.output


def test_audit_verify_detects_a_removed_entry(app, session, rt):
    _some_entries(session, rt)
    _tamper(session, "DELETE FROM audit_entry WHERE seq = 2")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry 2" in result.output


def test_audit_checkpoint_detects_truncation(app, session, rt):
    _some_entries(session, rt)
    runner = app.test_cli_runner()
    checkpoint = runner.invoke(args=["audit", "checkpoint"]).output.strip()
    assert re.fullmatch(r"6:[0-9a-f]{64}", checkpoint)
    assert runner.invoke(args=["audit", "verify", "--checkpoint", checkpoint]).exit_code == 0
    _some_entries(session, rt, 2)
    assert runner.invoke(args=["audit", "verify", "--checkpoint", checkpoint]).exit_code == 0

    # Cutting off the end leaves a consistent chain, but not the checkpoint.
    _tamper(session, "DELETE FROM audit_entry WHERE seq >= 5")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--checkpoint", checkpoint])
    assert result.exit_code == 1
    assert "truncated" in result.output
    bad = runner.invoke(args=["audit", "verify", "--checkpoint", "nonsense"])
    assert bad.exit_code == 1

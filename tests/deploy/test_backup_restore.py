"""Backup and restore: a restored database and file store, with keys/ from
its own backup, verify their audit chain and still open for a holder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.cases import custody
from app.cases.content import list_attachments, open_attachment, read_report
from app.cases.intake import NewReport, Upload, submit_report
from app.crypto.keys import unlock_private_key
from app.models import Attachment, Case
from app.web.extensions import db
from tests.conftest import ON_POSTGRES, _admin_url

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MARKER = "BACKUP-RESTORE-MARKER"

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES or shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="backup/restore uses pg_dump and pg_restore: run with DATABASE_URL=postgresql://...",
)


def _run(script: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(["bash", str(DEPLOY / script), *args], env={**os.environ, **env},  # noqa: S603, S607
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_restore_into_an_empty_database_verifies_and_decrypts(settings, session, rt,
                                                              make_staff, tmp_path):
    intake = make_staff("intake")
    case, _code = submit_report(session, rt, NewReport(
        unit_id=intake.user.unit_id, track="report", channel="confidential",
        report={"what": MARKER}, identity={"name": "Backup Melder"},
        uploads=[Upload("bewijs.txt", "text/plain", iter([MARKER.encode() * 50]))]))
    number = case.number

    backup_dir = tmp_path / "backup"
    out = _run("backup.sh", str(backup_dir), env={
        "DATABASE_URL": settings.database_url,
        "MELDPUNT_STORAGE_DIR": str(settings.storage_dir)}).split()
    dump, archive = Path(out[0]), Path(out[1])
    assert dump.is_file() and archive.is_file()
    raw = dump.read_bytes() + archive.read_bytes()
    assert MARKER.encode() not in raw and b"Backup Melder" not in raw

    restored_name = f"{make_url(settings.database_url).database}_restored"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{restored_name}"'))
    restored_url = make_url(settings.database_url).set(database=restored_name) \
        .render_as_string(hide_password=False)
    restored_storage = tmp_path / "restored-storage"
    try:
        _run("restore.sh", str(dump), str(archive), env={
            "DATABASE_URL": restored_url, "MELDPUNT_STORAGE_DIR": str(restored_storage)})
        restored = create_app(settings.with_changes(database_url=restored_url,
                                                    storage_dir=restored_storage))
        with restored.app_context():
            rt2 = restored.extensions["meldpunt.runtime"]
            # Entries are sealed into the chain after they are appended (issue
            # #26); domain calls in a test leave them unsealed. Sealing them in
            # the restored database checks each one's own HMAC, as `meldpunt
            # audit verify` does before it walks the chain.
            assert rt2.audit.verify(db.session).ok
            assert (rt2.audit.seal(db.session) or 0) > 0
            db.session.commit()
            result = rt2.audit.verify(db.session)
            assert result.ok and result.checked > 0 and result.unsealed == 0
            case2 = db.session.scalar(select(Case).where(Case.number == number))
            user = db.session.get(type(intake.user), intake.user.id)
            key = custody.open_case_key(db.session, case2, user, unlock_private_key(
                user.private_key_protected, intake.password))
            assert read_report(key, case2)["what"] == MARKER
            attachment = db.session.scalars(select(Attachment)).one()
            assert list_attachments(db.session, case2, key)[0].name == "bewijs.txt"
            _view, chunks = open_attachment(rt2, case2, key, attachment)
            assert b"".join(chunks) == MARKER.encode() * 50
            db.session.close()
        restored.extensions["meldpunt.engine"].dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()


def test_restore_refuses_a_file_store_that_is_not_empty(tmp_path):
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "something").write_text("x")
    result = subprocess.run(["bash", str(DEPLOY / "restore.sh"), "a.dump", "b.tar"],  # noqa: S603, S607
                            env={**os.environ, "DATABASE_URL": "postgresql://x/y",
                                 "MELDPUNT_STORAGE_DIR": str(storage)},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "not empty" in result.stderr

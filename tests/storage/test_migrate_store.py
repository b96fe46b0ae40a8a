"""`meldpunt files migrate-store`: an operator moves the attachment files of
a running installation from the local directory into the database (and
back); every file is copied as ciphertext, checked, and opens afterwards
through the database store; running it again copies nothing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases import custody
from app.cases.content import open_attachment, store_attachment
from app.cases.intake import NewReport, submit_report
from app.crypto.keys import unlock_private_key
from app.models import Attachment
from app.runtime import file_store
from tests.conftest import PASSWORD
from tests.file_store import leftovers


@pytest.fixture()
def file_store_kind() -> str:
    return "local"  # where an installation's files are before the move


CONTENT = b"Verslag van het gesprek op 3 maart. " * 20_000  # several chunks


def test_files_move_from_the_local_store_into_the_database_and_still_open(
        app, session, rt, units, make_staff):
    intake = make_staff("intake")
    case, _ = submit_report(session, rt, NewReport(
        unit_id=units["cibg"].id, track="report", channel="anonymous", report={"what": "x"}))
    key = custody.open_case_key(session, case, intake.user,
                                unlock_private_key(intake.user.private_key_protected, PASSWORD))
    store_attachment(session, rt, case, key, filename="verslag.txt", content_type="text/plain",
                     chunks=[CONTENT], uploaded_by_kind="reporter")
    session.commit()
    row = session.scalars(select(Attachment)).one()
    assert rt.settings.file_store == "local" and leftovers(rt) != []

    runner = app.test_cli_runner()
    result = runner.invoke(args=["files", "migrate-store", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) copied from the local store to the database store" in result.output
    database = file_store(rt.settings.with_changes(file_store="database"),
                          app.extensions["meldpunt.engine"])
    assert list(database.file_ids()) == [row.file_id]
    moved = type(rt)(**{**rt.__dict__, "files": database})
    _view, chunks = open_attachment(moved, case, key, row)
    assert b"".join(chunks) == CONTENT
    assert rt.files.exists(row.file_id)  # kept where it was unless asked

    again = runner.invoke(args=["files", "migrate-store", "--to", "database",
                                "--remove-source"])
    assert again.exit_code == 0, again.output
    assert "0 file(s) copied" in again.output and "1 already there" in again.output
    assert "1 removed from the local store" in again.output
    assert not rt.files.exists(row.file_id) and leftovers(rt) == []

    back = runner.invoke(args=["files", "migrate-store", "--to", "local", "--remove-source"])
    assert back.exit_code == 0, back.output
    assert rt.files.exists(row.file_id) and list(database.file_ids()) == []


def test_migrate_store_refuses_while_uploads_are_in_progress(app, rt):
    writer = rt.files.begin_pending(rt.files.new_file_id())
    result = app.test_cli_runner().invoke(args=["files", "migrate-store", "--to", "database"])
    assert result.exit_code == 1
    assert "1 upload(s) in progress" in result.output
    writer.discard()

"""THE DUMP TEST (security invariant 1): after realistic activity, a full
copy of the database (with SQLite's WAL and journal), the file store and
keys/ holds none of the plaintext that went in."""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

from sqlalchemy import MetaData, select

from app.cases import custody
from app.cases.content import add_message, store_attachment
from app.cases.intake import NewReport, Upload, open_mailbox, submit_report
from app.cases.minutes import record_minutes, reporter_correct, send_minutes
from app.cases.notes import add_note
from app.crypto.keys import unlock_private_key
from app.retention.hold import set_legal_hold
from app.web.extensions import db
from tests.conftest import ON_POSTGRES, PASSWORD, IsolatedClient, post_form, sign_in

# Distinctive plaintext that must never be found at rest.
NARRATIVE = "QUOKKA-NARRATIVE-8812 de afdelingschef intimideert collega's"
ANSWER = "QUOKKA-WHERE-5519 kamer 4.12"
PERSON = "QUOKKA-ACCUSED-Bartholomeus-Vink"
REPORTER_NAME = "QUOKKA-REPORTER-Hendrika Zoë de Wit"
REPORTER_EMAIL = "quokka.melder.4471@example.org"
REPORTER_PHONE = "+31 6 QUOKKA 9931"
ATTACHMENT_NAME = "QUOKKA-FILENAME-verslag-gesprek.txt"
ATTACHMENT_BODY = b"QUOKKA-ATTACHMENT-BODY-2207 notulen van het gesprek\n"
STAFF_MESSAGE = "QUOKKA-STAFF-MESSAGE-6403 kunt u meer vertellen?"
REPORTER_MESSAGE = "QUOKKA-REPORTER-MESSAGE-7120 ja, het gebeurde vaker"
LATER_FILE_BODY = b"QUOKKA-LATER-FILE-3388"
NOTE = "QUOKKA-NOTE-5150 getuige spreken"
HOLD_REASON = "QUOKKA-HOLD-REASON-9021 lopende procedure"
MINUTES = "QUOKKA-MINUTES-6620 verslag van het gesprek op kantoor"
MINUTES_PRESENT = "QUOKKA-PRESENT-1187 mr. Adelheid Baarsma"
MINUTES_CORRECTION = "QUOKKA-CORRECTION-4409 het was in maart"

TEXT_MARKERS = [NARRATIVE, ANSWER, PERSON, REPORTER_NAME, REPORTER_EMAIL, REPORTER_PHONE,
                ATTACHMENT_NAME, STAFF_MESSAGE, REPORTER_MESSAGE, NOTE, HOLD_REASON, MINUTES,
                MINUTES_PRESENT, MINUTES_CORRECTION]
BYTE_MARKERS = [ATTACHMENT_BODY.strip(), LATER_FILE_BODY]


def _needles(secrets_too: list[str]) -> list[bytes]:
    needles: list[bytes] = []
    for text in [*TEXT_MARKERS, *secrets_too]:
        needles.append(text.encode("utf-8"))
        needles.append(text.encode("utf-16-le"))
        if text in TEXT_MARKERS:
            # The distinctive token alone, should a text be split or re-encoded.
            needles.append(text.split(" ")[0].encode())
        # JSON with ensure_ascii escapes non-ASCII characters.
        needles.append(text.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00"))
    needles.extend(BYTE_MARKERS)
    return [n for n in set(needles) if len(n) >= 6]


def _activity(app, session, rt, units, make_staff) -> list[str]:  # type: ignore[no-untyped-def]
    """Reports, files, messages, sign-ins, a mailbox visit. Returns the
    secrets that must not be at rest either (receipt codes, a password)."""
    intake = make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    secrets_used = [PASSWORD]

    big = ATTACHMENT_BODY * 5000  # several segments
    case, code = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="confidential",
        category="ongewenste_omgangsvormen", subcategory="pesten",
        report={"what": NARRATIVE, "where": ANSWER, "persons": PERSON},
        identity={"name": REPORTER_NAME, "email": REPORTER_EMAIL, "phone": REPORTER_PHONE},
        uploads=[Upload(filename=ATTACHMENT_NAME, content_type="text/plain",
                        chunks=iter([big[i : i + 70_000] for i in range(0, len(big), 70_000)]))],
    ))
    anonymous, code2 = submit_report(session, rt, NewReport(
        unit_id=units["rivm"].id, track="report", channel="anonymous",
        report={"what": NARRATIVE + " (anoniem)"},
    ))
    secrets_used += [code, code.replace("-", ""), code2, code2.replace("-", "")]
    for totp_secret in (intake.totp_secret, vp.totp_secret):
        secrets_used.append(totp_secret)

    # Staff: sign in through the pages (sessions with sealed keys), read the
    # case, pass it to the VP, write to the reporter.
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    sign_in(client, intake)
    assert client.get(f"/medewerkers/zaken/{case.number}").status_code == 200
    private = unlock_private_key(intake.user.private_key_protected, PASSWORD)
    custody.grant(session, rt, case, intake.user, private, vp.user)
    key = custody.open_case_key(session, case, intake.user, private)
    add_message(session, case, key, STAFF_MESSAGE, author_kind="staff", author=intake.user)
    add_note(session, rt, case, key, intake.user, NOTE)
    minutes = record_minutes(session, rt, case, key, intake.user, meeting_on=date(2026, 11, 20),
                             text=MINUTES, present=MINUTES_PRESENT)
    send_minutes(session, rt, case, intake.user, minutes.id)
    set_legal_hold(session, rt, case, make_staff("integriteitscoordinator").user, key, HOLD_REASON)
    session.commit()

    # The reporter comes back with the code, answers and adds a file.
    opened = open_mailbox(session, rt, code)
    assert opened is not None
    add_message(session, opened.case, opened.key, REPORTER_MESSAGE, author_kind="reporter")
    store_attachment(session, rt, opened.case, opened.key, filename="later.txt",
                     content_type="text/plain", chunks=[LATER_FILE_BODY],
                     uploaded_by_kind="reporter")
    session.commit()
    reporter_correct(session, rt, opened.case, opened.key, minutes.id, 1, MINUTES_CORRECTION)
    reporter = IsolatedClient(app, app.response_class, use_cookies=True)
    response = post_form(reporter, "/postbus", {"code": code2.lower()})
    assert response.status_code == 302, response.status_code
    assert reporter.get("/postbus").status_code == 200

    # The VP reads it too.
    vp_client = IsolatedClient(app, app.response_class, use_cookies=True)
    sign_in(vp_client, vp)
    page = vp_client.get(f"/medewerkers/zaken/{case.number}")
    assert page.status_code == 200 and STAFF_MESSAGE in page.get_data(as_text=True)
    assert MINUTES_CORRECTION in page.get_data(as_text=True)
    return secrets_used


def _files_under(root: Path) -> list[Path]:
    return [Path(dirpath) / name for dirpath, _dirs, names in os.walk(root) for name in names]


def _find(needles: list[bytes], data: bytes) -> list[bytes]:
    return [n for n in needles if n in data]


def test_dump_of_database_wal_file_store_and_keys_holds_no_plaintext(
    app, session, rt, units, make_staff, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    secrets_used = _activity(app, session, rt, units, make_staff)
    needles = _needles(secrets_used)
    # Sanity: the markers are really there to be found by this test.
    assert ATTACHMENT_BODY.strip() in ATTACHMENT_BODY * 2

    # 1. Every row of every table, read through SQL (SQLite and PostgreSQL).
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    assert {"case_file", "message", "attachment", "key_wrap", "receipt", "staff_session",
            "audit_entry", "user_account"} <= set(metadata.tables)
    seen_rows = 0
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            seen_rows += 1
            for value in row:
                data = value if isinstance(value, bytes | memoryview) else str(value).encode()
                found = _find(needles, bytes(data))
                assert not found, f"plaintext in table {table.name}: {found[0][:20]!r}"
    assert seen_rows > 20

    # 2. Every byte of every file: database, -wal, -shm, -journal, store, keys/.
    files = _files_under(settings.instance_dir)
    names = {p.name for p in files}
    assert settings.storage_dir.exists()
    stored = _files_under(settings.storage_dir)
    assert len(stored) == 2  # the two attachments, under random names
    if not ON_POSTGRES:
        assert "meldpunt.db" in names
        assert "meldpunt.db-wal" in names  # the write-ahead log is read too
    assert any(p.parent == settings.keys_dir for p in files)
    total = 0
    for path in files:
        data = path.read_bytes()
        total += len(data)
        found = _find(needles, data)
        where = path.relative_to(settings.instance_dir)
        assert not found, f"plaintext in {where}: {found[0][:20]!r}"
        assert not _find(needles, str(path).encode())
    assert total > 100_000

    # 3. And nothing went to the log.
    assert not _find(needles, caplog.text.encode())

    # 4. On PostgreSQL: every table cast to text, as pg_dump would see it.
    if ON_POSTGRES:
        from sqlalchemy import text

        for table in metadata.sorted_tables:
            rows = session.execute(text(f'SELECT t::text FROM "{table.name}" t')).scalars()
            for line in rows:
                assert not _find(needles, line.encode()), table.name


def test_dump_after_the_sqlite_file_is_closed_and_checkpointed(
    app, session, rt, units, make_staff, settings
):
    """The same after the WAL is folded into the database file and the
    engine is closed, as a backup would copy it."""
    secrets_used = _activity(app, session, rt, units, make_staff)
    needles = _needles(secrets_used)
    if not ON_POSTGRES:
        from sqlalchemy import text

        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()
    session.close()
    db.engine.dispose()
    for path in _files_under(settings.instance_dir):
        found = _find(needles, path.read_bytes())
        assert not found, f"plaintext in {path.name}: {found[0][:20]!r}"

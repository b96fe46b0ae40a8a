"""The audit log: chained and HMAC'd, tamper-evident, and its auditor view."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry
from app.vocabulary import AuditAction
from tests.conftest import ON_POSTGRES, sign_in


def _append(session, rt, n=5):
    for i in range(n):
        rt.audit.record(session, actor="system", action=AuditAction.CASE_OPEN, object_type="case",
                        object_id=f"MP-TEST-{i}", origin="cli")
    session.commit()
    # Appending takes no lock; the sealer links the entries into the chain
    # (after a web response, or `meldpunt audit seal`): these are sealed.
    rt.audit.seal(session)
    session.commit()


def tamper(session, statement, params=None):
    """Change the table behind the application's back. On PostgreSQL the
    attacker is a superuser who switches the append-only trigger off."""
    if ON_POSTGRES:
        session.execute(text("SET session_replication_role = replica"))
    session.execute(text(statement), params or {})
    session.commit()
    if ON_POSTGRES:
        # Committed, or a later rollback would bring the switched-off trigger back.
        session.execute(text("SET session_replication_role = DEFAULT"))
        session.commit()


def test_verify_passes_on_an_untouched_log(session, rt):
    _append(session, rt)
    result = rt.audit.verify(session)
    assert result.ok and result.checked == 5


@pytest.mark.parametrize("column,value", [("actor", "user:999"), ("result", "denied"),
                                          ("object_id", "MP-OTHER")])
def test_editing_any_field_of_an_entry_is_detected_at_that_entry(session, rt, column, value):
    _append(session, rt)
    tamper(session, f"UPDATE audit_entry SET {column} = :v WHERE seq = 3", {"v": value})
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 3


def test_deleting_an_entry_is_detected(session, rt):
    _append(session, rt)
    tamper(session, "DELETE FROM audit_entry WHERE seq = 2")
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 2


def test_truncation_after_a_checkpoint_is_detected(session, rt):
    _append(session, rt)
    checkpoint = rt.audit.head(session)
    tamper(session, "DELETE FROM audit_entry WHERE seq >= 4")
    assert rt.audit.verify(session).ok  # a shorter chain is consistent in itself ...
    result = rt.audit.verify(session, checkpoint)  # ... but not with the stored head
    assert not result.ok and "truncated" in result.reason


def test_a_rebuilt_chain_without_the_hmac_key_is_detected(session, rt):
    """Someone with write access to the database recomputes every hash after an
    edit; without keys/audit_hmac.key the HMACs give it away."""
    from app.audit.log import GENESIS, entry_hash

    _append(session, rt)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    session.expunge_all()
    entries[1].actor = "user:42"
    prev = GENESIS
    for entry in entries:
        entry.prev_hash = prev
        entry.entry_hash = entry_hash(prev, entry)
        prev = entry.entry_hash
        tamper(session, "UPDATE audit_entry SET actor = :a, prev_hash = :p, entry_hash = :h "
               "WHERE seq = :s", {"a": entry.actor, "p": entry.prev_hash,
                                  "h": entry.entry_hash, "s": entry.seq})
    session.expire_all()
    result = rt.audit.verify(session)
    assert not result.ok and "HMAC" in result.reason and result.first_broken_seq == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete_on_the_audit_log(session, rt):
    from sqlalchemy.exc import DBAPIError

    _append(session, rt, 2)
    for statement in ("UPDATE audit_entry SET actor = 'x' WHERE seq = 1",
                      "DELETE FROM audit_entry WHERE seq = 1", "TRUNCATE audit_entry"):
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        session.rollback()
    assert rt.audit.verify(session).ok


def test_entries_never_hold_content(session, rt, units, make_staff):
    from app.cases.intake import NewReport, submit_report

    make_staff("intake")
    marker = "AUDIT-CONTENT-MARKER"
    submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="confidential",
        report={"what": marker}, identity={"name": marker}))
    for entry in session.scalars(select(AuditEntry)):
        row = " ".join(str(v) for v in (entry.actor, entry.action, entry.object_type,
                                        entry.object_id))
        assert marker not in row


@pytest.mark.parametrize("role,status", [("auditor", 200), ("icc", 200), ("admin", 403),
                                         ("intake", 403), ("vertrouwenspersoon", 403)])
def test_only_auditor_and_icc_open_the_audit_log(client, make_staff, role, status):
    sign_in(client, make_staff(role))
    assert client.get("/medewerkers/audit/").status_code == status
    assert client.get("/medewerkers/audit/export.csv").status_code == status


def test_auditor_filters_and_exports_and_both_are_logged(client, session, rt, make_staff):
    _append(session, rt)
    auditor = make_staff("auditor")
    sign_in(client, auditor)
    page = client.get("/medewerkers/audit/?action=case.open&case=MP-TEST-3")
    html = page.get_data(as_text=True)
    assert "MP-TEST-3" in html and "MP-TEST-2" not in html

    response = client.get("/medewerkers/audit/export.csv?action=case.open")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["seq", "time_utc", "actor", "action"]
    assert {row[5] for row in rows[1:]} == {f"MP-TEST-{i}" for i in range(5)}

    logged = session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor == f"user:{auditor.user.id}")).all()
    assert "audit.viewed" in logged and "audit.exported" in logged
    assert rt.audit.verify(session).ok


def test_csv_export_cannot_inject_formulas(client, session, rt, make_staff):
    rt.audit.record(session, actor="system", action=AuditAction.CASE_OPEN, object_type="case",
                    object_id="=HYPERLINK(\"http://evil\")", origin="cli")
    session.commit()
    sign_in(client, make_staff("auditor"))
    body = client.get("/medewerkers/audit/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert ',=HYPERLINK' not in body

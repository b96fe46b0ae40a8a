"""Issue #25: floods of wrong receipt codes or failed staff sign-ins lock
nobody out, so the functional admin is told: one content-free audit entry
per kind and day, listed on the admin's start page."""

from __future__ import annotations

from sqlalchemy import select

from app.audit import floods
from app.cases import mailbox
from app.crypto.receipts import generate_receipt_code
from app.models import AuditEntry
from tests.conftest import post_form, sign_in
from tests.reporting.conftest import open_mailbox, receipt_code, report_fields, send


def _alerts(session) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.action == "security.flood_detected")))


def test_a_flood_of_wrong_receipt_codes_is_shown_to_the_admin(app, client, session, units,
                                                              make_staff, monkeypatch):
    admin, intake = make_staff("admin"), make_staff("intake")
    code = receipt_code(send(client, report_fields(units)))
    monkeypatch.setattr(floods, "MAILBOX_FLOOD_PER_MINUTE", 25)
    frozen = mailbox.utcnow()
    monkeypatch.setattr(mailbox, "utcnow", lambda: frozen)
    for _ in range(24):
        open_mailbox(client, generate_receipt_code())
    assert _alerts(session) == []  # a few wrong codes are no flood
    for _ in range(16):
        open_mailbox(client, generate_receipt_code())
    [alert] = _alerts(session)  # once a day, however long it goes on
    assert (alert.actor, alert.object_type, alert.object_id) == ("system", "flood", "mailbox")
    assert open_mailbox(client, code).status_code == 302  # and nobody is locked out

    staff = app.test_client()
    sign_in(staff, admin)
    page = staff.get("/medewerkers/").get_data(as_text=True)
    assert 'id="flood-alerts"' in page
    assert "veel verkeerde persoonlijke codes" in page or "Many wrong receipt codes" in page
    assert code not in page
    other = app.test_client()
    sign_in(other, intake)
    assert 'id="flood-alerts"' not in other.get("/medewerkers/").get_data(as_text=True)


def test_a_flood_of_failed_staff_sign_ins_is_shown_to_the_admin(app, client, session,
                                                                make_staff, monkeypatch):
    admin = make_staff("admin")
    monkeypatch.setattr(floods, "SIGNIN_FLOOD", 6)
    for attempt in range(5):
        post_form(client, "/medewerkers/inloggen",
                  {"email": f"raden{attempt}@example.test", "password": "fout-wachtwoord-123"})
    assert _alerts(session) == []
    post_form(client, "/medewerkers/inloggen",
              {"email": admin.email, "password": "fout-wachtwoord-123"})
    [alert] = _alerts(session)
    assert (alert.object_type, alert.object_id) == ("flood", "signin")

    staff = app.test_client()
    sign_in(staff, admin)  # the flood kept nobody out
    page = staff.get("/medewerkers/").get_data(as_text=True)
    assert 'id="flood-alerts"' in page
    assert "raden0@example.test" not in page and admin.email not in page.split(
        'id="flood-alerts"')[1].split("</section>")[0]

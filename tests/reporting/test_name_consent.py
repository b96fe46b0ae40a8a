"""Issue #18: in the mailbox the reporter sees who may see their name, and
gives or withdraws it per recipient; the keys follow."""

from __future__ import annotations

from sqlalchemy import select

from app.cases import custody
from app.cases.content import read_identity
from app.crypto.compartments import IDENTITY
from app.models import AuditEntry, Case, IdentityConsent
from app.vocabulary import AuditAction
from tests.cases.conftest import key_of
from tests.reporting.conftest import mailbox_post, open_mailbox, receipt_code, report_fields, send


def test_the_reporter_decides_per_recipient_who_sees_their_name(client, session, rt, units,
                                                                make_staff):
    from app.cases.workflow import perform

    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    code = receipt_code(send(client, report_fields(units, identity="confidential",
                                                   name="Anna Melder",
                                                   email="anna@example.test")))
    case = session.scalars(select(Case)).one()
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    # Routed after sending: the IC gets the name (the form's consent) when
    # the reporter signs in next — intake had no name to pass on.
    assert not custody.holds_compartment(session, case, ic.user, IDENTITY)
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert "Who may see your name" in html
    assert "The integrity coordinator who handles your report" in html
    assert "may see your name." in html and units["bureau-integriteit"].name in html
    session.expire_all()
    keys = custody.open_case_key(session, case, ic.user, key_of(ic))
    assert read_identity(keys, case)["name"] == "Anna Melder"

    response = mailbox_post(client, "/postbus/naam", {"recipient": "ic", "consent": "withdraw",
                                                      "confirm": "yes"},
                            follow_redirects=True)
    assert "they can no longer see your name" in response.get_data(as_text=True)
    session.expire_all()
    keys = custody.open_case_key(session, case, ic.user, key_of(ic))
    assert read_identity(keys, case) is None
    assert session.scalar(select(IdentityConsent.withdrawn_at)) is not None

    response = mailbox_post(client, "/postbus/naam", {"recipient": "ic", "consent": "give",
                                                      "confirm": "yes"},
                            follow_redirects=True)
    assert "from now on they may see your name" in response.get_data(as_text=True)
    session.expire_all()
    keys = custody.open_case_key(session, case, ic.user, key_of(ic))
    assert read_identity(keys, case)["name"] == "Anna Melder"
    actions = [a for a in session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq))
               if a.startswith("mailbox.name_consent")]
    assert actions == [AuditAction.MAILBOX_NAME_CONSENT_WITHDRAWN,
                       AuditAction.MAILBOX_NAME_CONSENT_GIVEN]


def test_a_made_up_recipient_is_refused(client, session, units):
    code = receipt_code(send(client, report_fields(units, identity="confidential",
                                                   name="Anna Melder",
                                                   email="anna@example.test")))
    open_mailbox(client, code)
    for recipient in ("admin", "bureau:999", f"bureau:{units['kerndepartement'].id}"):
        response = mailbox_post(client, "/postbus/naam",
                                {"recipient": recipient, "consent": "give", "confirm": "yes"})
        assert response.status_code in (302, 400, 403)
    assert session.scalars(select(IdentityConsent.recipient)).all() == ["ic"]

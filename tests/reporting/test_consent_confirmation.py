"""Issue #21, defect 5: consent is shown where it matters, in plain words
(what is passed on, to whom, what happens next, how to withdraw), and takes
effect only after a confirmation page."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases import custody
from app.crypto.compartments import IDENTITY
from app.models import AuditEntry, Case, IdentityConsent
from app.vocabulary import AuditAction
from tests.conftest import csrf_from
from tests.reporting.conftest import mailbox_post, open_mailbox, receipt_code, report_fields, send


def only_case(session) -> Case:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(Case)).one()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def main_of(html: str) -> str:
    return text_of(html.split("<main", 1)[1].split("</main>", 1)[0])


def audit_actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_permission_to_pass_on_comes_before_the_messages_in_plain_words(client, units):
    code = receipt_code(send(client, report_fields(units, track="advice")))
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert html.index("Permission to pass your report on") < html.index(">Messages<")
    page = main_of(html)
    # To whom, what it becomes, and that the name does not go along.
    assert f"integrity coordinators of {units['kerndepartement'].name}" in page
    assert "formal report" in page and "Your name does not go along" in page
    # The button leads to the explanation first (a GET form: nothing changes).
    assert re.search(r'<form method="get" action="/postbus/toestemming">\s*'
                     r'<input type="hidden" name="consent" value="give">', html)


def test_giving_permission_to_pass_on_needs_the_confirmation_page(client, session, units):
    code = receipt_code(send(client, report_fields(units, track="advice")))
    open_mailbox(client, code)

    response = client.get("/postbus/toestemming?consent=give")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    for needle in ("What is passed on", "Your report: your answers on the form and the files",
                   "The messages between you and the confidential counsellor",
                   "Not your name.", "To whom",
                   f"integrity coordinators of {units['kerndepartement'].name}",
                   "What happens next", "formal report", "How to withdraw",
                   "you can withdraw your permission in your mailbox",
                   "Yes, I give permission", "No, back to my mailbox"):
        assert needle in page, needle
    # Looking is not agreeing; the look is audit-logged.
    assert only_case(session).consent_given_at is None
    assert audit_actions(session)[-1] == AuditAction.MAILBOX_READ

    # A post without the confirmation (an old page, a forged form) changes nothing.
    mailbox_post(client, "/postbus/toestemming", {"consent": "give"})
    assert only_case(session).consent_given_at is None

    confirm = response.get_data(as_text=True)
    answer = client.post("/postbus/toestemming", data={
        "csrf_token": csrf_from(confirm), "consent": "give", "confirm": "yes"},
        follow_redirects=True)
    assert "You gave permission to pass your report on" in answer.get_data(as_text=True)
    case = only_case(session)
    assert case.consent_given_at is not None
    assert AuditAction.MAILBOX_CONSENT_GIVEN in audit_actions(session)

    # Withdrawing: its own page, then its confirmation.
    page = main_of(client.get("/postbus/toestemming?consent=withdraw").get_data(as_text=True))
    assert "may no longer pass your report on" in page
    assert "Yes, withdraw my permission" in page
    assert only_case(session).consent_withdrawn_at is None
    mailbox_post(client, "/postbus/toestemming", {"consent": "withdraw", "confirm": "yes"})
    case = only_case(session)
    assert case.consent_given_at is None and case.consent_withdrawn_at is not None


def test_the_pass_on_page_says_whether_the_name_goes_along(client, units):
    code = receipt_code(send(client, report_fields(units, track="advice", identity="confidential",
                                                   name="Anna Melder",
                                                   email="anna@example.test")))
    open_mailbox(client, code)
    page = main_of(client.get("/postbus/toestemming?consent=give").get_data(as_text=True))
    assert "Not your name and contact details." in page
    assert "They stay with the confidential counsellor" in page
    mailbox_post(client, "/postbus/naam", {"recipient": "ic", "consent": "give",
                                           "confirm": "yes"})
    page = main_of(client.get("/postbus/toestemming?consent=give").get_data(as_text=True))
    assert "Your name and contact details too." in page


def test_a_formal_report_has_no_pass_on_permission(client, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    assert "Permission to pass your report on" not in client.get("/postbus").get_data(
        as_text=True)
    response = client.get("/postbus/toestemming?consent=give", follow_redirects=True)
    assert "This is not possible for your report." in response.get_data(as_text=True)


def test_showing_the_name_shows_exactly_what_they_will_see_before_it_takes_effect(
        client, session, rt, units, make_staff):
    from app.cases.workflow import perform
    from tests.cases.conftest import key_of

    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    code = receipt_code(send(client, report_fields(units, identity="confidential",
                                                   name="Anna Melder",
                                                   email="anna@example.test",
                                                   phone="0612345678")))
    case = only_case(session)
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert html.index("Who may see your name") < html.index(">Messages<")
    assert re.search(r'<form method="get" action="/postbus/naam">\s*'
                     r'<input type="hidden" name="recipient" value="ic">', html)
    assert custody.holds_compartment(session, only_case(session), ic.user, IDENTITY)

    response = client.get("/postbus/naam?recipient=ic&consent=withdraw")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    for needle in ("No longer show your name?", "The integrity coordinators who handle your "
                   "report.", "What they will no longer see", "Anna Melder",
                   "anna@example.test", "0612345678", "What they already read, they know.",
                   "Yes, no longer show my name"):
        assert needle in page, needle
    # Nothing changed by looking.
    assert session.scalar(select(IdentityConsent.withdrawn_at)) is None
    assert custody.holds_compartment(session, only_case(session), ic.user, IDENTITY)
    mailbox_post(client, "/postbus/naam", {"recipient": "ic", "consent": "withdraw"})
    session.expire_all()
    assert session.scalar(select(IdentityConsent.withdrawn_at)) is None

    mailbox_post(client, "/postbus/naam", {"recipient": "ic", "consent": "withdraw",
                                           "confirm": "yes"})
    session.expire_all()
    assert session.scalar(select(IdentityConsent.withdrawn_at)) is not None
    assert not custody.holds_compartment(session, only_case(session), ic.user, IDENTITY)

    page = main_of(client.get("/postbus/naam?recipient=ic&consent=give").get_data(as_text=True))
    for needle in ("May they see your name?", "What they will see", "Anna Melder",
                   "They can see your name straight away", "How to withdraw",
                   "Yes, they may see my name"):
        assert needle in page, needle


def test_the_bureau_is_named_on_its_confirmation_page(client, units):
    code = receipt_code(send(client, report_fields(units, identity="confidential",
                                                   name="Anna Melder",
                                                   email="anna@example.test")))
    open_mailbox(client, code)
    bureau = units["bureau-integriteit"]
    page = main_of(client.get(f"/postbus/naam?recipient=bureau:{bureau.id}&consent=give")
                   .get_data(as_text=True))
    assert f"The investigators of {bureau.name}" in page
    assert "If your report is sent to this bureau for investigation" in page


def test_a_confirmation_page_for_a_made_up_recipient_is_refused(client, session, units):
    code = receipt_code(send(client, report_fields(units, identity="confidential",
                                                   name="Anna Melder",
                                                   email="anna@example.test")))
    open_mailbox(client, code)
    for recipient in ("admin", "bureau:999", f"bureau:{units['kerndepartement'].id}"):
        response = client.get(f"/postbus/naam?recipient={recipient}&consent=give")
        assert response.status_code == 302
        assert "Anna Melder" not in response.get_data(as_text=True)
    assert session.scalars(select(IdentityConsent.recipient)).all() == ["ic"]


def test_without_an_open_mailbox_the_confirmation_pages_send_to_sign_in(client):
    for url in ("/postbus/toestemming?consent=give", "/postbus/naam?recipient=ic&consent=give"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/postbus")

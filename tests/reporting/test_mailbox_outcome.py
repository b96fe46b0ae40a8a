"""Issue 17, defects 5 and 6: after a decision the mailbox tells the reporter
the outcome in plain words, what they can do if they disagree, and no due
date once the case is closed; it lists only the reporter's own files, never
the bureau's investigation report or a file staff added."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import custody, mailbox
from app.cases.content import store_attachment
from app.cases.intake import Upload
from app.cases.workflow import perform
from app.models import Case, Unit
from app.runtime import Runtime
from tests.cases.conftest import key_of
from tests.conftest import Staff
from tests.reporting.conftest import (
    PDF,
    mailbox_post,
    open_mailbox,
    receipt_code,
    report_fields,
    send,
)

FOUNDED = "The investigation showed that what you reported is true: your report is founded."
MEASURE_TAKEN = ("The organisation has taken measures. To protect the privacy of the people "
                 "involved, we do not tell you which measures.")
DISAGREE = "If you do not agree"
HUIS = ("Ask the Huis voor Klokkenluiders (huisvoorklokkenluiders.nl) for advice. "
        "The advice is free and confidential.")
WITHDRAWN = "Your report was withdrawn, so it was not handled any further."

MakeStaff = Callable[..., Staff]

REPORTER_FILE = "mijn-bewijs.pdf"
BUREAU_REPORT = "onderzoeksrapport-Jan-de-Vries.pdf"
STAFF_FILE = "gespreksverslag-Piet-Jansen.pdf"


def _only_case(session: Session) -> Case:
    session.expire_all()
    return session.scalars(select(Case)).one()


def _decided_and_closed(client: FlaskClient, session: Session, rt: Runtime,
                        units: dict[str, Unit], make_staff: MakeStaff
                        ) -> tuple[str, Case]:
    """A report with the reporter's own file, investigated by the bureau (its
    report delivered as a file), a file added by staff, decided founded with
    a measure and closed, the IC leaving both texts to the reporter empty."""
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    code = receipt_code(send(client, report_fields(units), files=[(PDF, REPORTER_FILE)]))
    case = _only_case(session)

    def act(staff: Staff, action: str, **params: Any) -> None:
        perform(session, rt, case, staff.user, key_of(staff), action, **params)

    act(intake, "acknowledge", text="Dank voor je melding.")
    act(intake, "route_to_ic")
    act(ic, "start_inquiry")
    act(ic, "refer_to_external", bureau_id=str(units["bureau-integriteit"].id),
        fields=["what"], attachment_ids=[])
    act(investigator, "deliver_external_report", findings="De melding is gegrond.",
        report_file=Upload(BUREAU_REPORT, "application/pdf", [PDF]))
    store_attachment(session, rt, case, custody.open_case_key(session, case, ic.user, key_of(ic)),
                     filename=STAFF_FILE, content_type="application/pdf", chunks=[PDF],
                     uploaded_by_kind="staff", uploaded_by=ic.user)
    session.commit()
    act(ic, "record_decision", outcome="founded", measure="warning", feedback="")
    act(ic, "close", close_reason="handled", message="")
    assert case.state == "closed" and case.outcome == "founded"
    return code, case


def test_a_founded_closed_case_without_feedback_text_tells_the_reporter_the_outcome(
        client: FlaskClient, app: Flask, session: Session, rt: Runtime, units: dict[str, Unit],
        make_staff: MakeStaff) -> None:
    code, case = _decided_and_closed(client, session, rt, units, make_staff)
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert FOUNDED in html
    # A measure only in general terms: never which one (the person concerned's privacy).
    assert MEASURE_TAKEN in html
    assert "Warning" not in html and "warning" not in html
    assert DISAGREE in html
    assert "internal objection procedure" in html
    assert HUIS in html
    assert "suspected wrongdoing (misstand)" in html
    # No due date once closed; the date it was closed instead.
    assert "expected by" not in html
    with app.test_request_context(), force_locale("en"):
        closed_on = app.jinja_env.filters["dateformat"](case.closed_at)
    assert f"<dt>Closed</dt><dd>{closed_on}</dd>" in html


def test_the_outcome_is_told_in_dutch_too(
        client: FlaskClient, app: Flask, session: Session, rt: Runtime, units: dict[str, Unit],
        make_staff: MakeStaff) -> None:
    code, _case = _decided_and_closed(client, session, rt, units, make_staff)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert 'lang="nl"' in html
    with app.test_request_context(), force_locale("nl"):
        expected = [gettext(FOUNDED), gettext(MEASURE_TAKEN), gettext(DISAGREE), gettext(HUIS)]
    for text in expected:
        assert text in html
    assert "Uitkomst" in html and "<dt>Afgedaan</dt>" in html
    assert "verwacht uiterlijk" not in html


def test_only_the_reporters_own_files_are_listed_in_the_mailbox(
        client: FlaskClient, session: Session, rt: Runtime, units: dict[str, Unit],
        make_staff: MakeStaff) -> None:
    code, case = _decided_and_closed(client, session, rt, units, make_staff)
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert REPORTER_FILE in html
    assert BUREAU_REPORT not in html and "Jan-de-Vries" not in html
    assert STAFF_FILE not in html and "Piet-Jansen" not in html
    # The domain's view of the mailbox already leaves them out.
    opened, _cookie = mailbox.sign_in(session, rt, code)
    view = mailbox.view_mailbox(session, rt, opened)
    assert [(a.name, a.uploaded_by_kind) for a in view.attachments] == [
        (REPORTER_FILE, "reporter")]


def test_a_withdrawn_report_says_so_without_a_due_date_or_objection(
        client: FlaskClient, session: Session, units: dict[str, Unit]) -> None:
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    mailbox_post(client, "/postbus/intrekken", {"confirm": "yes"})
    html = client.get("/postbus").get_data(as_text=True)
    assert WITHDRAWN in html
    assert "expected by" not in html  # neither acknowledgement nor feedback
    assert DISAGREE not in html


def test_a_report_the_counsellor_referred_elsewhere_says_where(
        client: FlaskClient, session: Session, rt: Runtime, units: dict[str, Unit],
        make_staff: MakeStaff) -> None:
    make_staff("intake")
    vp: Staff = make_staff("vertrouwenspersoon")
    code = receipt_code(send(client, report_fields(units, track="advice")))
    case = _only_case(session)
    # A request for a VP goes to the VPs (issue #18): one of them takes it.
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    perform(session, rt, case, vp.user, key_of(vp), "close_advice", outcome="referred",
            referred_to="police", message="")
    open_mailbox(client, code)
    html = client.get("/postbus").get_data(as_text=True)
    assert ("Your report can be dealt with better elsewhere, so the handler has referred you "
            "there.") in html
    assert "<dt>Referred to</dt><dd>Police</dd>" in html
    assert DISAGREE in html
    assert "expected by" not in html


def test_every_outcome_has_its_own_sentence_for_the_reporter(app: Flask) -> None:
    from app.vocabulary import Outcome
    from app.web import labels

    table = getattr(labels, "OUTCOME_FOR_REPORTER", {})
    assert set(table) == set(Outcome)
    for locale in ("nl", "en"):
        with app.test_request_context(), force_locale(locale):
            sentences = {labels.outcome_for_reporter(outcome) for outcome in Outcome}
        assert len(sentences) == len(Outcome)

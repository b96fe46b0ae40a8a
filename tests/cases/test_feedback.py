"""Issue #17, defect 2: feedback is an explicit act. A question to the
reporter after the acknowledgement is not the feedback; a message the
handler marks as the feedback is, and so is a decision communicated with a
text. The deadline, the queue and the statistics read that."""

from __future__ import annotations

import re
from datetime import timedelta

from app.cases import custody, queues
from app.cases.casework import send_message_to_reporter
from app.cases.workflow import perform
from app.models import utcnow
from tests.cases.conftest import case_actions, key_of
from tests.conftest import csrf_from, sign_in

ACKNOWLEDGEMENT = "Dank voor je melding. We hebben haar ontvangen."
QUESTION = "Kun je vertellen op welke dag dit gebeurde?"
FEEDBACK = "We hebben je melding onderzocht. De leidinggevende is erop aangesproken."


def _acknowledged_case(session, rt, make_staff, new_case):  # type: ignore[no-untyped-def]
    intake = make_staff("intake")
    case, _ = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text=ACKNOWLEDGEMENT)
    # The feedback deadline falls within the coming week: the case is due soon.
    case.feedback_due_at = utcnow() + timedelta(days=3)
    session.commit()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    return intake, case, key


def _due_soon(session, user, case) -> bool:  # type: ignore[no-untyped-def]
    page = queues.queue(session, user, tab="due_soon")
    return case.id in {row.case.id for row in page.rows}


def test_a_question_after_the_acknowledgement_is_not_the_feedback(session, rt, make_staff,
                                                                  new_case):
    intake, case, key = _acknowledged_case(session, rt, make_staff, new_case)
    assert _due_soon(session, intake.user, case)
    send_message_to_reporter(session, rt, case, key, intake.user, QUESTION)
    assert case.feedback_given_at is None
    # The duty is still open: the case stays in the queue's due tab.
    assert _due_soon(session, intake.user, case)


def test_a_message_marked_as_the_feedback_is_the_feedback(session, rt, make_staff, new_case):
    intake, case, key = _acknowledged_case(session, rt, make_staff, new_case)
    send_message_to_reporter(session, rt, case, key, intake.user, FEEDBACK, as_feedback=True)
    assert case.feedback_given_at is not None
    assert "case.feedback_given" in case_actions(session, case.number)
    # Feedback given: its deadline no longer makes the case due.
    assert not _due_soon(session, intake.user, case)


def test_a_later_message_marked_as_feedback_does_not_move_the_date(session, rt, make_staff,
                                                                   new_case):
    intake, case, key = _acknowledged_case(session, rt, make_staff, new_case)
    send_message_to_reporter(session, rt, case, key, intake.user, FEEDBACK, as_feedback=True)
    first = case.feedback_given_at
    send_message_to_reporter(session, rt, case, key, intake.user, FEEDBACK, as_feedback=True)
    assert case.feedback_given_at == first
    assert case_actions(session, case.number).count("case.feedback_given") == 1


def _case_in_inquiry(session, rt, make_staff, new_case):  # type: ignore[no-untyped-def]
    """A formal report acknowledged by intake, with the IC, inquiry started."""
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    case, _ = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text=ACKNOWLEDGEMENT)
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    return ic, case


def test_a_decision_communicated_with_a_text_is_the_feedback(session, rt, make_staff, new_case):
    ic, case = _case_in_inquiry(session, rt, make_staff, new_case)
    key = custody.open_case_key(session, case, ic.user, key_of(ic))
    send_message_to_reporter(session, rt, case, key, ic.user, QUESTION)
    assert case.feedback_given_at is None
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="unfounded",
            feedback=FEEDBACK)
    assert case.feedback_given_at is not None


def test_a_decision_without_a_text_is_not_the_feedback(session, rt, make_staff, new_case):
    ic, case = _case_in_inquiry(session, rt, make_staff, new_case)
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="unfounded")
    assert case.feedback_given_at is None


def test_the_message_form_offers_the_feedback_choice_while_it_is_owed(client, session, rt,
                                                                      make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    page = f"/medewerkers/zaken/{case.number}"
    assert 'name="as_feedback"' not in client.get(page).get_data(as_text=True)  # not acknowledged
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text=ACKNOWLEDGEMENT)
    html = client.get(page).get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="as_feedback"[^>]*>', html)
    assert checkbox is not None and "checked" not in checkbox.group(0)  # off by default

    client.post(f"{page}/berichten", data={"csrf_token": csrf_from(html), "body": QUESTION})
    session.expire_all()
    assert case.feedback_given_at is None

    client.post(f"{page}/berichten", data={"csrf_token": csrf_from(html), "body": FEEDBACK,
                                           "as_feedback": "y"})
    session.expire_all()
    assert case.feedback_given_at is not None
    html = client.get(page).get_data(as_text=True)
    assert 'name="as_feedback"' not in html  # given: no longer offered
    # The deadline shows it was met (Dutch by default).
    assert "terugkoppeling gegeven op" in html or "feedback given on" in html

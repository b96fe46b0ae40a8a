"""Data-subject requests (issue #24; GDPR art. 12(3), 15): a register with
the one-month deadline, and a redacted extract that never shows the
reporter's identity or anything the handler blacked out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import hearings, mailbox, subject_requests
from app.cases.agenda import AgendaItem, agenda
from app.cases.subject_requests import (
    ExtractChoice,
    RequestError,
    build_extract,
    decide_request,
    redact,
    register_request,
    request_register,
)
from app.cases.workflow import perform
from app.localtime import local_date
from app.models import SubjectRequest, utcnow
from app.vocabulary import PersonRole
from tests.cases.conftest import case_actions, key_of
from tests.cases.persons_support import concerned, formal_report_with_ic, keys


def _today(rt):  # type: ignore[no-untyped-def]
    return local_date(utcnow(), rt.settings.zone)


def _text(segments) -> str:  # type: ignore[no-untyped-def]
    return "".join("█" if s.redacted else s.text for s in segments)


# --- blacking out ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "terms", "shown"), [
    ("Anna Melder zag het.", ["Anna Melder"], "█ zag het."),
    ("ANNA  melder zag het.", ["Anna Melder"], "█ zag het."),
    ("Zoë zei: zoe, Zoe en ZOË.", ["zoe"], "█ zei: █, █ en █."),
    ("Annabel is iemand anders.", ["Anna"], "Annabel is iemand anders."),
    ("Bel 06-12345678 of mail anna@example.test", ["06-12345678", "anna@example.test"],
     "Bel █ of mail █"),
    ("Anna Melder", ["Anna Melder", "Anna", "Melder"], "█"),
    ("niets", [], "niets"),
])
def test_black_out_whatever_the_case_diacritics_or_spaces(text, terms, shown):
    segments = redact(text, terms)
    assert _text(segments) == shown
    for segment in segments:
        assert not segment.redacted or segment.text == ""


# --- the register -----------------------------------------------------------------------


def test_a_request_is_registered_with_the_one_month_deadline_and_shows_as_due(
        session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    person = concerned(session, rt, case, ic, "Henk Bakker")
    key = keys(session, case, ic)
    row = register_request(session, rt, case, key, ic.user, kind="access",
                           received_on=date(2024, 1, 31), person_id=person.id,
                           details="Wil weten wat er over hem is vastgelegd.")
    assert row.due_on == date(2024, 2, 29)  # one month; February has no 31st
    assert b"vastgelegd" not in row.details_ciphertext
    [view] = subject_requests.read_requests(session, case, key)
    assert (view.person_id, view.details) == (person.id, "Wil weten wat er over hem is vastgelegd.")

    today = _today(rt)
    register_request(session, rt, case, key, ic.user, kind="erasure", received_on=today,
                     requester="Advocaat van H. Bakker", contact="post@advocaat.invalid")
    assert [r.kind for r in request_register(session, ic.user)] == ["access", "erasure"]
    due = agenda(session, ic.user, zone=rt.settings.zone)
    assert due.numbers(AgendaItem.SUBJECT_REQUEST) == [case.number]
    assert next(s for s in due.sections
                if s.item is AgendaItem.SUBJECT_REQUEST).cases[0].when == date(2024, 2, 29)

    with pytest.raises(RequestError, match="ground_missing"):
        decide_request(session, rt, case, ic.user, row.id, decision="refused")
    decide_request(session, rt, case, ic.user, row.id, decision="partly_granted",
                   ground="reporter_protection")
    with pytest.raises(RequestError, match="decided"):
        decide_request(session, rt, case, ic.user, row.id, decision="granted")
    session.refresh(row)
    assert (row.decision, row.restriction_ground, row.decided_on) == (
        "partly_granted", "reporter_protection", today)
    assert [r.kind for r in request_register(session, ic.user)] == ["erasure"]
    assert [r.kind for r in request_register(session, ic.user, decided=True)] == ["access"]
    # Nobody else's register shows it.
    assert request_register(session, make_staff("integriteitscoordinator", unit="igj").user) == []
    actions = case_actions(session, case.number)
    assert actions.count("subject_request.registered") == 2
    assert actions.count("subject_request.decided") == 1


def test_a_request_needs_a_requester_a_known_kind_and_a_day_not_ahead(session, rt, make_staff,
                                                                      new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    key = keys(session, case, ic)
    with pytest.raises(RequestError, match="requester_missing"):
        register_request(session, rt, case, key, ic.user, kind="access",
                         received_on=_today(rt))
    with pytest.raises(RequestError, match="unknown_kind"):
        register_request(session, rt, case, key, ic.user, kind="everything",
                         received_on=_today(rt), requester="X")
    with pytest.raises(RequestError, match="future_date"):
        register_request(session, rt, case, key, ic.user, kind="access",
                         received_on=_today(rt) + timedelta(days=1), requester="X")
    assert session.scalars(select(SubjectRequest)).all() == []


# --- the extract (domain) ------------------------------------------------------------------

REPORTER = {"name": "Anna Melder", "email": "anna.melder@voorbeeld.invalid",
            "phone": "06-55501234"}
REPORT = {
    "what": "Henk Bakker splitste opdrachten. Anna Melder zag het, en ook Marieke Smit. "
            "Bel anna.melder@voorbeeld.invalid voor details.",
    "where": "Directie Inkoop, kamer 4.12",
    "involved": "Henk Bakker; collega ANNA melder",
}


def _case_for_extract(session, rt, make_staff, new_case, *,  # type: ignore[no-untyped-def]
                      reporter_signs_in: bool = True):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    case, code = new_case(report=REPORT, identity=REPORTER)
    case, ic = formal_report_with_ic(session, rt, make_staff, lambda **_: (case, code),
                                     ic=ic, intake=intake)
    if reporter_signs_in:
        # The integrity coordinator gets the name (the form's consent) when
        # the reporter next signs in: intake, who routed, held no identity.
        opened, _cookie = mailbox.sign_in(session, rt, str(code))
        mailbox.close_mailbox(session, rt, opened)
    accused = concerned(session, rt, case, ic, "Henk Bakker", function="inkoper",
                        unit="Directie Inkoop")
    concerned(session, rt, case, ic, "Marieke Smit", role=PersonRole.WITNESS)
    key = keys(session, case, ic)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "record_hearing", person_id=str(accused.id),
            held_on=_today(rt).isoformat(),
            minutes="Henk Bakker reageert op wat Anna Melder en Marieke Smit zagen.")
    request = register_request(session, rt, case, key, ic.user, kind="access",
                               received_on=_today(rt), person_id=accused.id)
    return case, ic, accused, request


def test_the_extract_shows_what_was_chosen_and_blacks_out_the_reporter_and_others(
        session, rt, make_staff, new_case):
    case, ic, accused, request = _case_for_extract(session, rt, make_staff, new_case)
    key = keys(session, case, ic)
    [hearing] = hearings.read_hearings(session, case, key)
    extract = build_extract(session, rt, case, key, ic.user, request.id, ExtractChoice(
        person_ids=frozenset({accused.id}), report_fields=("what", "involved", "name"),
        hearing_ids=frozenset({hearing.id}), outcome=True, black_out=("kamer 4.12",)))
    [person] = extract.persons
    assert _text(person.name) == "Henk Bakker" and _text(person.function) == "inkoper"
    shown = dict((name, _text(segments)) for name, segments in extract.report)
    assert set(shown) == {"what", "involved"}  # "name" is never offered
    assert shown["what"] == ("Henk Bakker splitste opdrachten. █ zag het, en ook █. "
                             "Bel █ voor details.")
    assert shown["involved"] == "Henk Bakker; collega █"
    assert _text(extract.hearings[0].text) == "Henk Bakker reageert op wat █ en █ zagen."
    assert extract.identity_checked
    assert "subject_request.extract" in case_actions(session, case.number)


def test_a_handler_who_can_not_read_the_identity_is_told_to_check_and_blacks_out_by_hand(
        session, rt, make_staff, new_case):
    case, ic, accused, request = _case_for_extract(session, rt, make_staff, new_case,
                                                   reporter_signs_in=False)
    key = keys(session, case, ic)
    extract = build_extract(session, rt, case, key, ic.user, request.id, ExtractChoice(
        person_ids=frozenset({accused.id}), report_fields=("what",),
        black_out=("Anna Melder", "anna.melder@voorbeeld.invalid")))
    assert not extract.identity_checked
    [(_name, what)] = extract.report
    assert _text(what) == ("Henk Bakker splitste opdrachten. █ zag het, en ook █. "
                           "Bel █ voor details.")

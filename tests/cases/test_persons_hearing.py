"""Hoor en wederhoor (issue #24): a step of the workflow table before the
decision on a formal report, with minutes the heard person approves or
comments on, like the reporter's minutes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases import hearings
from app.cases.hearings import HearingChanged, read_hearings
from app.cases.workflow import TRANSITIONS, RequirementMissing, available_actions, perform
from app.crypto.compartments import CASEFILE
from app.localtime import local_date
from app.models import HearingVersion, utcnow
from app.vocabulary import HearingStatus, PersonRole, State
from tests.cases.conftest import case_actions, key_of
from tests.cases.persons_support import concerned, formal_report_with_ic, keys

MINUTES = "HEARING-MINUTES-7781 Betrokkene erkent de opdrachten te hebben gesplitst."
COMMENTS = "HEARING-COMMENTS-1204 Het waren twee opdrachten, niet drie."


def _today(rt):  # type: ignore[no-untyped-def]
    return local_date(utcnow(), rt.settings.zone).isoformat()


def test_the_hearing_is_a_step_of_the_workflow_table_before_the_decision():
    hearing = TRANSITIONS["record_hearing"]
    assert hearing.to_state is None
    assert State.INQUIRY in hearing.from_states and State.DECISION in hearing.from_states
    assert {f.name for f in hearing.fields} >= {"person_id", "held_on", "minutes"}
    assert "hearing" in TRANSITIONS["record_decision"].requires


def test_a_decision_on_a_formal_report_is_refused_before_the_hearing_is_recorded(
        session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    accused = concerned(session, rt, case, ic, "Henk Bakker")
    concerned(session, rt, case, ic, "Marieke Smit", role=PersonRole.WITNESS)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    before = case_actions(session, case.number)
    with pytest.raises(RequirementMissing) as refused:
        perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="founded",
                measure="warning")
    assert refused.value.code == "hearing" and refused.value.params["name"] == "Henk Bakker"
    session.refresh(case)
    assert (case.state, case.outcome) == (State.INQUIRY, None)
    assert case_actions(session, case.number) == before

    assert "record_hearing" in {t.action for t in available_actions(case, ic.user)}
    perform(session, rt, case, ic.user, key_of(ic), "record_hearing", person_id=str(accused.id),
            held_on=_today(rt), minutes=MINUTES, present="betrokkene, IC, jurist")
    # Recorded but not yet approved by the heard person: still no decision.
    with pytest.raises(RequirementMissing, match="hearing"):
        perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="founded",
                measure="warning")
    [hearing] = read_hearings(session, case, keys(session, case, ic))
    hearings.give_to_person(session, rt, case, ic.user, hearing.id, 1)
    hearings.record_approval(session, rt, case, ic.user, hearing.id, 1)
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="founded",
            measure="warning")
    assert case.state == State.DECISION
    actions = case_actions(session, case.number)
    assert actions.count("case.record_hearing") == 1
    assert actions.index("case.record_hearing") < actions.index("case.record_decision")


def test_without_an_accused_person_no_hearing_is_needed(session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    concerned(session, rt, case, ic, "Marieke Smit", role=PersonRole.WITNESS)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="unfounded")
    assert case.state == State.DECISION


def test_a_person_who_declines_to_be_heard_does_not_hold_up_the_decision(
        session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    accused = concerned(session, rt, case, ic, "Henk Bakker")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "record_hearing", person_id=str(accused.id),
            held_on=_today(rt), minutes="Uitgenodigd per brief; niet verschenen.",
            declined="1")
    [hearing] = read_hearings(session, case, keys(session, case, ic))
    assert hearing.status is HearingStatus.DECLINED
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="not_established")


def test_hearing_minutes_are_checked_by_the_heard_person_like_the_reporters(
        session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    accused = concerned(session, rt, case, ic, "Henk Bakker")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "record_hearing", person_id=str(accused.id),
            held_on=_today(rt), minutes=MINUTES)
    key = keys(session, case, ic)
    [hearing] = read_hearings(session, case, key)
    assert (hearing.status, hearing.person_name, hearing.current.text) == (
        HearingStatus.DRAFT, "Henk Bakker", MINUTES)
    # Sealed in the case file, not in clear.
    row = session.scalar(select(HearingVersion).where(HearingVersion.hearing_id == hearing.id))
    assert row is not None and b"HEARING-MINUTES" not in row.body_ciphertext

    hearings.give_to_person(session, rt, case, ic.user, hearing.id, 1)
    hearings.record_comments(session, rt, case, key, ic.user, hearing.id, 1, COMMENTS)
    # The same click again, or an approval of the commented version: nothing changes.
    with pytest.raises(HearingChanged):
        hearings.record_approval(session, rt, case, ic.user, hearing.id, 1)
    assert hearings.revise_hearing(session, rt, case, key, ic.user, hearing.id,
                                   text=MINUTES + " Gecorrigeerd: twee opdrachten.") == 2
    hearings.give_to_person(session, rt, case, ic.user, hearing.id, 2)
    with pytest.raises(HearingChanged):
        hearings.record_approval(session, rt, case, ic.user, hearing.id, 1)
    hearings.record_approval(session, rt, case, ic.user, hearing.id, 2)

    [hearing] = read_hearings(session, case, key)
    assert hearing.status is HearingStatus.APPROVED
    assert [v.version for v in hearing.versions] == [1, 2]
    assert hearing.versions[0].comments == COMMENTS
    actions = case_actions(session, case.number)
    for action in ("hearing.given", "hearing.comments", "hearing.revised", "hearing.approved"):
        assert action in actions
    # Keys without the case file (the reporter's) read no hearing.
    assert read_hearings(session, case, key.only([k for k in key.compartments()
                                                  if k != CASEFILE])) == []


def test_a_hearing_in_the_future_or_of_another_case_is_refused(session, rt, make_staff,
                                                              new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    other, other_ic = formal_report_with_ic(session, rt, make_staff, new_case, unit="rivm")
    stranger = concerned(session, rt, other, other_ic, "Iemand Anders")
    accused = concerned(session, rt, case, ic, "Henk Bakker")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    with pytest.raises(RequirementMissing, match="future_date"):
        perform(session, rt, case, ic.user, key_of(ic), "record_hearing",
                person_id=str(accused.id), held_on="2999-01-01", minutes=MINUTES)
    with pytest.raises(RequirementMissing, match="invalid_person_id"):
        perform(session, rt, case, ic.user, key_of(ic), "record_hearing",
                person_id=str(stranger.id), held_on=_today(rt), minutes=MINUTES)
    with pytest.raises(RequirementMissing, match="invalid_held_on"):
        perform(session, rt, case, ic.user, key_of(ic), "record_hearing",
                person_id=str(accused.id), held_on="gisteren", minutes=MINUTES)
    assert read_hearings(session, case, keys(session, case, ic)) == []

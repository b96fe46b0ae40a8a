"""The workflow table and `perform`: one case walked through every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases import custody, workflow
from app.cases.content import read_messages
from app.cases.intake import Upload, open_mailbox
from app.cases.notes import read_notes
from app.cases.workflow import (
    TRANSITIONS,
    CaseChanged,
    RequirementMissing,
    TransitionNotAllowed,
    available_actions,
    perform,
)
from app.models import ExternalReferral, KeyWrap, utcnow
from app.vocabulary import State
from tests.cases.conftest import case_actions, key_of

ACKNOWLEDGEMENT = "Dank voor je melding. We hebben haar ontvangen."


def _step(session, rt, case, staff, action, **params):  # type: ignore[no-untyped-def]
    """Perform one action and assert it wrote exactly one entry `case.<action>`."""
    before = case_actions(session, case.number)
    assert action in {t.action for t in available_actions(case, staff.user)}
    perform(session, rt, case, staff.user, key_of(staff), action, **params)
    after = case_actions(session, case.number)
    assert after[len(before):] == [f"case.{action}"]
    expected = TRANSITIONS[action].to_state
    if expected is not None:
        assert case.state == expected


def _holders(session, case) -> set[int]:  # type: ignore[no-untyped-def]
    return set(session.scalars(
        select(KeyWrap.user_id).where(KeyWrap.case_id == case.id, KeyWrap.user_id.is_not(None))
    ))


def test_one_case_walks_through_every_role(session, rt, make_staff, new_case, units):
    intake = make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    case, code = new_case(track="advice")
    assert case.state == "received"
    # A request for a VP goes straight to the VPs: intake holds no key of it.
    assert _holders(session, case) == {vp.user.id}
    with pytest.raises(workflow.TransitionNotFound):
        perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="x")

    _step(session, rt, case, vp, "acknowledge", text=ACKNOWLEDGEMENT)
    assert case.acknowledged_at is not None
    _step(session, rt, case, vp, "route_to_vp", vp_id=str(vp.user.id))
    assert _holders(session, case) == {vp.user.id}

    with pytest.raises(RequirementMissing):
        perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    case.consent_given_at = utcnow()  # recorded by the reporter's mailbox
    _step(session, rt, case, vp, "escalate_to_ic")
    assert ic.user.id in _holders(session, case)
    assert case.escalated_at is not None

    _step(session, rt, case, ic, "start_inquiry")
    _step(session, rt, case, ic, "refer_to_external", bureau_id=str(units["bureau-integriteit"].id),
          fields=["what"], attachment_ids=[])
    referral = session.scalar(select(ExternalReferral).where(ExternalReferral.case_id == case.id))
    assert referral is not None and not referral.includes_identity
    opened_key = custody.open_case_key(session, case, investigator.user, key_of(investigator))
    _, package = workflow.referral_package(session, case, opened_key, referral.bureau_id)
    assert package == {"report": {"what": "Mijn leidinggevende schreeuwt"}, "files": {}}

    _step(session, rt, case, investigator, "deliver_external_report",
          findings="De melding is gegrond.",
          report_file=Upload("rapport.pdf", "application/pdf", [b"%PDF-1.4 report"]))
    notes = read_notes(session, case, opened_key, ic.user)
    assert [n.body for n in notes] == ["De melding is gegrond."]

    _step(session, rt, case, ic, "record_decision", outcome="founded", measure="reprimand",
          feedback="Uw melding is onderzocht en gegrond verklaard. Er is een maatregel genomen.")
    assert (case.outcome, case.measure) == ("founded", "reprimand")
    assert case.feedback_given_at is not None
    _step(session, rt, case, ic, "close", close_reason="handled")
    assert case.state == "closed" and case.closed_at is not None

    # The reporter reads the acknowledgement and the feedback in the mailbox.
    mailbox = open_mailbox(session, rt, code)
    assert mailbox is not None
    bodies = [m.body for m in read_messages(session, mailbox.case, mailbox.key, for_reporter=True)]
    assert bodies[0] == ACKNOWLEDGEMENT
    assert "gegrond verklaard" in bodies[1]
    assert all(m.author_name is None
               for m in read_messages(session, mailbox.case, mailbox.key, for_reporter=True))

    # Exactly one audit entry per action, in order.
    actions = [a for a in case_actions(session, case.number) if a != "report.submitted"]
    assert actions == [f"case.{a}" for a in (
        "acknowledge", "route_to_vp", "escalate_to_ic", "start_inquiry",
        "refer_to_external", "deliver_external_report", "record_decision", "close")]

    _step(session, rt, case, ic, "reopen", reason="Nieuwe informatie")
    assert case.state == "with_ic" and case.closed_at is None


def test_an_advice_case_is_closed_by_the_vp(session, rt, make_staff, new_case):
    vp = make_staff("vertrouwenspersoon")
    case, _ = new_case(track="advice")
    _step(session, rt, case, vp, "acknowledge", text="Dank u, we nemen contact op.")
    _step(session, rt, case, vp, "route_to_vp", vp_id=str(vp.user.id))
    _step(session, rt, case, vp, "close_advice", outcome="advice_given")
    assert (case.state, case.outcome, case.close_reason) == ("closed", "advice_given",
                                                           "advice_given")


def test_escalation_without_consent_is_refused_and_writes_nothing(session, rt, make_staff,
                                                                  new_case):
    vp = make_staff("vertrouwenspersoon")
    make_staff("integriteitscoordinator")
    case, _ = new_case(track="advice")
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text=ACKNOWLEDGEMENT)
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    before = case_actions(session, case.number)
    with pytest.raises(RequirementMissing) as error:
        perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    assert error.value.code == "consent"
    assert case.state == "with_vp"
    assert case_actions(session, case.number) == before


def test_wrong_role_and_wrong_state_are_refused(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    case, _ = new_case()
    with pytest.raises(TransitionNotAllowed) as error:
        perform(session, rt, case, ic.user, key_of(ic), "acknowledge")
    assert error.value.code == "role"
    with pytest.raises(TransitionNotAllowed) as error:
        perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    assert error.value.code == "state"


def test_route_to_ic_without_an_ic_for_the_unit_is_refused(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    make_staff("integriteitscoordinator", unit="rivm")
    case, _ = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge",
            text=ACKNOWLEDGEMENT)
    with pytest.raises(RequirementMissing) as error:
        perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    assert error.value.code == "no_ic_for_unit"
    assert case.state == "acknowledged"


def test_identity_never_goes_to_the_bureau_without_consent(session, rt, make_staff, new_case,
                                                          units):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    make_staff("external_investigator")
    case, _ = new_case()
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text=ACKNOWLEDGEMENT)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    with pytest.raises(RequirementMissing) as error:
        perform(session, rt, case, ic.user, key_of(ic), "refer_to_external",
                bureau_id=str(units["bureau-integriteit"].id), include_identity="1")
    assert error.value.code == "consent"


def test_a_stale_version_changes_nothing(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    seen = case.version
    perform(session, rt, case, intake.user, key_of(intake), "classify", category="x",
            version=str(seen))
    before = case_actions(session, case.number)
    with pytest.raises(CaseChanged):
        perform(session, rt, case, intake.user, key_of(intake), "acknowledge", version=str(seen))
    assert case.state == "received"
    assert case_actions(session, case.number) == before


def test_every_transition_has_known_states_and_roles():
    from app.vocabulary import Role

    for transition in TRANSITIONS.values():
        assert transition.from_states <= set(State)
        assert transition.to_state is None or transition.to_state in set(State)
        assert transition.actors and transition.roles <= set(Role)


def test_junk_parameters_are_a_requirement_error_not_a_crash(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge",
            text=ACKNOWLEDGEMENT)
    for params in ({"vp_id": "abc"}, {"vp_id": "99999"}):
        with pytest.raises(RequirementMissing):
            perform(session, rt, case, intake.user, key_of(intake), "route_to_vp", **params)
    with pytest.raises(CaseChanged):
        perform(session, rt, case, intake.user, key_of(intake), "classify", version="x")
    assert case.state == "acknowledged"


def test_the_cli_acts_through_the_same_table(app, session, rt, make_staff, new_case):
    from tests.conftest import PASSWORD

    intake = make_staff("intake")
    case, _ = new_case()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["case", "act", case.number, "acknowledge", "--as", intake.email,
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert case.state == "acknowledged"
    assert case_actions(session, case.number)[-1] == "case.acknowledge"
    refused = runner.invoke(args=["case", "act", case.number, "acknowledge", "--as",
                                  intake.email, "--password", PASSWORD])
    assert refused.exit_code == 1 and "state" in refused.output
    listing = runner.invoke(args=["case", "transitions"])
    assert '"action": "escalate_to_ic"' in listing.output

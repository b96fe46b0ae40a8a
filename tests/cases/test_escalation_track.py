"""Issue #17, defect 1: a case the confidential counsellor passes on to the
integrity coordinator becomes a formal report. Before, it kept the track
"advice": decided as founded it was counted under "Advies" and
crypto-shredded after 2 years instead of 10."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.cases.deadlines import add_months
from app.cases.workflow import perform
from app.models import Case, Unit, utcnow
from app.retention.policy import load_policy
from app.retention.sweep import run_sweep
from app.runtime import Runtime
from app.stats.report import build_report
from app.vocabulary import Outcome, State, Track
from tests.cases.conftest import key_of
from tests.stats.test_report import grid

ACKNOWLEDGEMENT = "Dank voor je melding."


def _escalated_case(session: Session, rt: Runtime, make_staff, new_case) -> tuple[Case, object]:  # type: ignore[no-untyped-def]
    make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    case, _ = new_case(track="advice")
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text=ACKNOWLEDGEMENT)
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    case.consent_given_at = utcnow()  # recorded by the reporter's mailbox
    perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    return case, ic


def test_a_case_the_vp_passes_to_the_ic_becomes_a_formal_report(session, rt, make_staff,
                                                                 new_case):
    case, _ = _escalated_case(session, rt, make_staff, new_case)
    assert case.state == State.WITH_IC
    assert case.track == Track.REPORT
    # The date it became a formal report is kept.
    assert case.escalated_at is not None


def test_an_escalated_founded_case_is_kept_ten_years_not_two(session, rt, make_staff, new_case):
    case, ic = _escalated_case(session, rt, make_staff, new_case)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="founded",
            measure="dismissal")
    perform(session, rt, case, ic.user, key_of(ic), "close", close_reason="handled")
    assert case.closed_at is not None
    expires = load_policy(session).expires_at(case, rt.settings.zone)
    assert expires == add_months(case.closed_at.astimezone(rt.settings.zone), 120)
    # Three years on, the sweep keeps it (it used to shred it after two).
    later = case.closed_at + timedelta(days=3 * 366)
    report = run_sweep(session, rt, now=later, dry_run=True, origin="cli")
    assert report.deleted == []
    # Ten years on, it goes.
    report = run_sweep(session, rt, now=add_months(case.closed_at, 121), dry_run=True,
                       origin="cli")
    assert report.deleted == [case.number]


def test_an_escalated_case_counts_as_a_formal_report_and_as_escalated_for_the_vp(
        session: Session, rt: Runtime, units: dict[str, Unit]) -> None:
    received = datetime(2025, 3, 1, tzinfo=UTC)
    for number in range(5):
        session.add(Case(
            number=f"MP-ESC-{number:04d}", unit_id=units["kerndepartement"].id,
            track=Track.REPORT, category="ongewenste_omgangsvormen", subcategory="pesten",
            channel="confidential", state=State.CLOSED, received_at=received,
            acknowledge_due_at=received + timedelta(days=7),
            acknowledged_at=received + timedelta(days=1),
            feedback_due_at=received + timedelta(days=92),
            escalated_at=received + timedelta(days=10),
            closed_at=received + timedelta(days=100), outcome=Outcome.FOUNDED,
            measure="dismissal",
        ))
    session.commit()
    report = build_report(session, 2025, 5, now=datetime(2026, 6, 1, tzinfo=UTC),
                          zone=rt.settings.zone)
    # advice | formal report | total
    assert grid(report.tables["closed_by_outcome"])["founded"] == ["0", "5", "5"]
    # The counsellor's figures still show what they passed on:
    # escalated, advice given, referred, otherwise closed, open | total
    assert grid(report.tables["vp_signals_by_unit"])["total"] == ["5", "0", "0", "0", "0", "5"]

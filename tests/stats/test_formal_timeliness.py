"""Issue #17, defect 2: the timeliness figures (acknowledged in time,
feedback in time) and the days to close count formal reports only: not the
signals a confidential counsellor registers, nor the advice track."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.cases.registration import Signal, register_signal
from app.retention.sweep import run_sweep
from app.stats.report import build_report
from tests.stats.test_report import AMSTERDAM, add_case

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _six_signals(session, rt, make_staff, units):  # type: ignore[no-untyped-def]
    """Conversations in March 2025, each registered two weeks later (the
    registration closes a signal: its date is the closing date)."""
    vp = make_staff("vertrouwenspersoon")
    for day in range(1, 7):
        case = register_signal(session, rt, vp.user, Signal(
            unit_id=units["kerndepartement"].id, category="ongewenste_omgangsvormen",
            subcategory="pesten", on=date(2025, 3, day), advice_given=True, referred_to=None))
        case.closed_at = case.received_at + timedelta(days=14)
    session.commit()


def _figures(session):  # type: ignore[no-untyped-def]
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    return report, {s.key: (s.numerator, s.denominator, s.percent) for s in report.shares}


def test_six_vp_signals_are_not_in_the_timeliness_figures(session, rt, make_staff, units):
    _six_signals(session, rt, make_staff, units)
    report, shares = _figures(session)
    # Not "feedback in time 0 %": a signal owes no feedback, it only counts.
    assert shares["feedback_in_time"] == (0, 0, None)
    assert shares["acknowledged_in_time"] == (0, 0, None)
    assert report.median_days_to_close is None  # no formal report closed
    # Counted where they belong: received, in the VP table.
    assert report.tables["vp_signals_by_unit"].grid[-1][-1] == 6


def test_days_to_close_count_formal_reports_only(session, rt, make_staff, units):
    _six_signals(session, rt, make_staff, units)
    kd = units["kerndepartement"]
    # Five formal reports, closed after 40 days, feedback after 30 days; one
    # late: acknowledged after 10 days and no feedback.
    for _ in range(4):
        add_case(session, kd, track="report", category="financiele_schendingen",
                 close_days=40, outcome="unfounded", feedback_days=30)
    add_case(session, kd, track="report", category="financiele_schendingen", ack_days=10,
             close_days=40, outcome="unfounded")
    # An advice case closed after a year, feedback never: not counted either.
    add_case(session, kd, track="advice", category="ongewenste_omgangsvormen", sub="pesten",
             close_days=300, outcome="advice_given")
    session.commit()
    report, shares = _figures(session)
    assert shares["acknowledged_in_time"] == (4, 5, 80.0)
    assert shares["feedback_in_time"] == (4, 5, 80.0)
    assert (report.median_days_to_close, report.p90_days_to_close) == (40.0, 40.0)

    # The tallies retention keeps give the same figures.
    assert run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC)).deleted
    after, shares_after = _figures(session)
    assert shares_after == shares
    assert (after.median_days_to_close, after.p90_days_to_close) == (40.0, 40.0)

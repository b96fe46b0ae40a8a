"""Issue #17, done-when: a year's annual figures and the VP annual report
from one mixed year, every number checked against a hand count.

The year 2025 in the organisation's time zone (Europe/Amsterdam): formal
reports, advice cases, advice cases passed on to the integrity coordinator
(escalated: formal reports from then on), signals of an internal, an
external and a central counsellor, and cases on both sides of New Year's
midnight in local time. The counts are checked as counted (before
suppression), and no published cell shows a number below the threshold;
the same figures again after retention turned every closed case into a
tally.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import Case, CaseTally
from app.retention.sweep import run_sweep
from app.stats.disclosure import HIDDEN
from app.stats.report import build_report
from app.stats.vp_report import build_counsellor_report, build_integrated_report

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
UNWANTED = "ongewenste_omgangsvormen"
THRESHOLD = 3
numbers = count(1)


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment given on the Dutch clock, stored (as every moment) in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def add(session, unit, *, track, category, sub=None, channel="confidential", received,
        ack_days=None, feedback_days=None, closed=None, outcome=None, measure=None,
        escalated_days=None, counsellor=None, signal=False, referred_to=None):
    acknowledged = received + timedelta(days=ack_days) if ack_days is not None else None
    case = Case(
        number=f"MP-MIX-{next(numbers):04d}", unit_id=unit.id, track=track,
        category=category, subcategory=sub, channel=channel,
        intake_channel="in_person" if signal else "web",
        state="closed" if closed else ("with_ic" if track == "report" else "with_vp"),
        received_at=received,
        acknowledge_due_at=local(*_local_date(received + timedelta(days=7)), 23, 59),
        acknowledged_at=acknowledged,
        feedback_due_at=_three_months_after(acknowledged or received + timedelta(days=7)),
        feedback_given_at=(received + timedelta(days=feedback_days)
                           if feedback_days is not None else None),
        closed_at=closed, outcome=outcome, measure=measure,
        close_reason=_close_reason(outcome, signal) if closed else None,
        escalated_at=(received + timedelta(days=escalated_days)
                      if escalated_days is not None else None),
        counsellor_id=counsellor.id if counsellor else None, referred_to=referred_to,
    )
    session.add(case)
    return case


def _close_reason(outcome: str, signal: bool) -> str:
    if signal:
        return "signal"
    return outcome if outcome in ("advice_given", "withdrawn", "referred") else "handled"


def _local_date(moment: datetime) -> tuple[int, int, int]:
    day = moment.astimezone(AMSTERDAM).date()
    return day.year, day.month, day.day


def _three_months_after(moment: datetime) -> datetime:
    year, month, day = _local_date(moment)
    month += 3
    if month > 12:
        year, month = year + 1, month - 12
    return local(year, month, min(day, 28), 23, 59)


def signal(session, unit, vp, sub, heard, referred_to=None):
    """A signal a counsellor registered: closed on the day it was heard."""
    return add(session, unit, track="advice", category=UNWANTED, sub=sub, received=heard,
               ack_days=0, closed=heard, counsellor=vp, signal=True,
               outcome="referred" if referred_to else "advice_given", referred_to=referred_to)


@pytest.fixture()
def vps(make_staff):
    return {"internal": make_staff("vertrouwenspersoon", unit="kerndepartement").user,
            "external": make_staff("vertrouwenspersoon", unit="extern").user,
            "central": make_staff("vertrouwenspersoon", unit="centraal").user}


@pytest.fixture()
def mixed_year(session, units, vps):
    """The year, by hand (all times on the Dutch clock):

    formal reports (track report, never with a counsellor)
      F1-F3 Kerndepartement, financial, confidential, received 3 March,
            acknowledged after 2 days, feedback after 60, closed after 100
            days: unfounded
      F4    RIVM, sexual harassment, open, received 2 June 09:00,
            acknowledged after 9 days (late), feedback after 120 days (late),
            closed 31 December 23:30: founded, reprimand (212 days)
      F5    Kerndepartement, abuse of position, open, received 1 January
            2026 00:30 (31 December 23:30 UTC): not 2025
      F6    CIBG, financial, anonymous, received 1 January 2025 00:15
            (31 December 2024 23:15 UTC): 2025; acknowledged after 3 days,
            no feedback (overdue), open
      F7    Kerndepartement, financial, 1 May 2024, closed after 30 days
            (the trend's 2024)
      F8    Kerndepartement, abuse of position, open, received 3 November,
            acknowledged after 2 days, feedback after 30, withdrawn on
            1 January 2026 00:30 (31 December 23:30 UTC): received in 2025,
            closed in 2026
    advice cases
      A1    Kerndepartement, internal VP, bullying, received 10 February,
            advice given after 20 days
      A2    RIVM, external VP, bullying, anonymous, received 1 September, open
    advice cases passed on to the IC (formal reports from then on)
      E1    Kerndepartement, internal VP, discrimination, received 1 April,
            acknowledged after 1 day, escalated after 10, feedback after 50,
            closed after 150 days: not established
      E2    CIBG, central VP, aggression, received 1 October, acknowledged
            after 1 day, escalated after 5, no feedback (overdue), open
    signals
      S1    internal VP, Kerndepartement, bullying, 5 May: advice given
      S2    external VP, RIVM, sexual harassment, 7 July: referred to HR
      S3    central VP, CIBG, discrimination, 11 November: advice given
      S4    central VP, Kerndepartement, bullying, 31 December 23:30:
            referred to the manager
    """
    kd, rivm, cibg = units["kerndepartement"], units["rivm"], units["cibg"]
    internal, external, central = vps["internal"], vps["external"], vps["central"]
    for _ in range(3):
        received = local(2025, 3, 3, 10)
        add(session, kd, track="report", category="financiele_schendingen", received=received,
            ack_days=2, feedback_days=60, closed=received + timedelta(days=100),
            outcome="unfounded")
    received = local(2025, 6, 2, 9)
    add(session, rivm, track="report", category=UNWANTED, sub="seksuele_intimidatie",
        channel="open", received=received, ack_days=9, feedback_days=120,
        closed=local(2025, 12, 31, 23, 30), outcome="founded", measure="reprimand")
    add(session, kd, track="report", category="misbruik_positie", channel="open",
        received=local(2026, 1, 1, 0, 30), ack_days=1)
    add(session, cibg, track="report", category="financiele_schendingen", channel="anonymous",
        received=local(2025, 1, 1, 0, 15), ack_days=3)
    received = local(2024, 5, 1)
    add(session, kd, track="report", category="financiele_schendingen", received=received,
        ack_days=1, feedback_days=20, closed=received + timedelta(days=30), outcome="unfounded")
    add(session, kd, track="report", category="misbruik_positie", channel="open",
        received=local(2025, 11, 3), ack_days=2, feedback_days=30,
        closed=local(2026, 1, 1, 0, 30), outcome="withdrawn")
    received = local(2025, 2, 10)
    add(session, kd, track="advice", category=UNWANTED, sub="pesten", received=received,
        ack_days=1, closed=received + timedelta(days=20), outcome="advice_given",
        counsellor=internal)
    add(session, rivm, track="advice", category=UNWANTED, sub="pesten", channel="anonymous",
        received=local(2025, 9, 1), ack_days=1, counsellor=external)
    received = local(2025, 4, 1)
    add(session, kd, track="report", category=UNWANTED, sub="discriminatie_racisme",
        received=received, ack_days=1, escalated_days=10, feedback_days=50,
        closed=received + timedelta(days=150), outcome="not_established", counsellor=internal)
    add(session, cibg, track="report", category=UNWANTED, sub="agressie_geweld",
        received=local(2025, 10, 1), ack_days=1, escalated_days=5, counsellor=central)
    signal(session, kd, internal, "pesten", local(2025, 5, 5))
    signal(session, rivm, external, "seksuele_intimidatie", local(2025, 7, 7), "hr")
    signal(session, cibg, central, "discriminatie_racisme", local(2025, 11, 11))
    signal(session, kd, central, "pesten", local(2025, 12, 31, 23, 30), "manager")
    session.commit()
    return vps


def counted(table) -> dict[str, list[int]]:
    """Rows with a non-zero total, and the total row, as counted."""
    return {(table.row_labels[i] if i < table.rows else "total"): table.grid[i]
            for i in range(table.rows + 1) if table.grid[i][table.cols] or i == table.rows}


def no_small_number_shows(report) -> None:
    for table in report.tables.values():
        for i, row in enumerate(table.grid):
            for j, value in enumerate(row):
                if 0 < value < THRESHOLD:
                    assert table.status[i][j] in HIDDEN, (table.title, i, j)


def check_annual_figures(report) -> None:
    tables = report.tables
    # advice, report | total
    assert counted(tables["received_by_category"]) == {
        "financiele_schendingen": [0, 4, 4],             # F1-F3, F6
        "misbruik_positie": [0, 1, 1],                   # F8 (not F5: 2026)
        f"{UNWANTED}/pesten": [4, 0, 4],                 # A1, A2, S1, S4
        f"{UNWANTED}/seksuele_intimidatie": [1, 1, 2],   # S2 | F4
        f"{UNWANTED}/discriminatie_racisme": [1, 1, 2],  # S3 | E1 (escalated: a report)
        f"{UNWANTED}/agressie_geweld": [0, 1, 1],        # E2
        "total": [6, 8, 14],
    }
    # anonymous, confidential, open | total
    assert counted(tables["received_by_unit_channel"]) == {
        "Kerndepartement": [0, 7, 1, 8],  # F1-F3, A1, E1, S1, S4 | F8
        "RIVM": [1, 1, 1, 3],             # A2 | S2 | F4
        "CIBG": [1, 2, 0, 3],             # F6 | E2, S3
        "total": [2, 10, 2, 14],
    }
    # Closed in 2025: F4 at 23:30 on 31 December counts, F8 at 00:30 on
    # 1 January does not.
    assert counted(tables["closed_by_outcome"]) == {
        "advice_given": [3, 0, 3],     # A1, S1, S3
        "referred": [2, 0, 2],         # S2, S4
        "unfounded": [0, 3, 3],        # F1-F3
        "not_established": [0, 1, 1],  # E1
        "founded": [0, 1, 1],          # F4
        "total": [5, 5, 10],
    }
    assert counted(tables["measures"]) == {"reprimand": [1, 1], "total": [1, 1]}
    # escalated, advice given, referred, otherwise closed, open | total
    assert counted(tables["vp_signals_by_unit"]) == {
        "Kerndepartement": [1, 2, 1, 0, 0, 4],  # E1 | A1, S1 | S4
        "RIVM": [0, 0, 1, 0, 1, 2],             # S2 | A2
        "CIBG": [1, 1, 0, 0, 0, 2],             # E2 | S3
        "total": [2, 3, 2, 0, 1, 8],
    }
    assert counted(tables["trend_received"]) == {
        "2024": [0, 1, 1],  # F7 (F6 at 23:15 UTC on 31 December 2024 is 2025's)
        "2025": [6, 8, 14],
        "total": [6, 9, 15],
    }
    # Timeliness: the 8 formal reports of 2025 (F1-F3, F4, F6, F8, E1, E2),
    # not the advice cases or signals. Acknowledged in time: all but F4.
    # Feedback in time: F1-F3, E1, F8; F4 late, F6 and E2 overdue.
    shares = {share.key: (share.numerator, share.denominator) for share in report.shares}
    assert shares == {"acknowledged_in_time": (7, 8), "feedback_in_time": (5, 8)}
    # Days to close, formal reports closed in 2025: 100, 100, 100, 150, 212.
    assert report.closed_count_shown
    assert report.median_days_to_close == 100
    assert report.p90_days_to_close == 212
    no_small_number_shows(report)


def check_vp_reports(session, vps) -> None:
    # escalated, advice given, referred, otherwise closed, open | total
    own = {who: build_counsellor_report(session, 2025, THRESHOLD, vp.id, now=NOW,
                                        zone=AMSTERDAM)
           for who, vp in vps.items()}
    assert counted(own["internal"].tables["vp_by_unit"]) == {
        "Kerndepartement": [1, 2, 0, 0, 0, 3],  # E1 | A1, S1
        "total": [1, 2, 0, 0, 0, 3],
    }
    assert counted(own["external"].tables["vp_by_unit"]) == {
        "RIVM": [0, 0, 1, 0, 1, 2],  # S2 | A2
        "total": [0, 0, 1, 0, 1, 2],
    }
    assert counted(own["central"].tables["vp_by_unit"]) == {
        "Kerndepartement": [0, 0, 1, 0, 0, 1],  # S4 (23:30 on 31 December)
        "CIBG": [1, 1, 0, 0, 0, 2],             # E2 | S3
        "total": [1, 1, 1, 0, 0, 3],
    }
    assert counted(own["central"].tables["vp_referred_to"]) == {
        "manager": [1, 1], "total": [1, 1]}
    integrated = build_integrated_report(session, 2025, THRESHOLD, now=NOW, zone=AMSTERDAM)
    assert counted(integrated.tables["vp_by_unit"]) == {
        "Kerndepartement": [1, 2, 1, 0, 0, 4],
        "RIVM": [0, 0, 1, 0, 1, 2],
        "CIBG": [1, 1, 0, 0, 0, 2],
        "total": [2, 3, 2, 0, 1, 8],
    }
    # internal, external, central, not attributed | total
    assert counted(integrated.tables["vp_by_unit_kind"]) == {
        "Kerndepartement": [3, 0, 1, 0, 4],
        "RIVM": [0, 2, 0, 0, 2],
        "CIBG": [0, 0, 2, 0, 2],
        "total": [3, 2, 3, 0, 8],
    }
    assert counted(integrated.tables["vp_by_contact"]) == {
        "signal": [0, 2, 2, 0, 0, 4],       # S1, S3 | S2, S4
        "advice_case": [2, 1, 0, 0, 1, 4],  # E1, E2 | A1 | A2
        "total": [2, 3, 2, 0, 1, 8],
    }
    assert counted(integrated.tables["vp_referred_to"]) == {
        "hr": [1, 1], "manager": [1, 1], "total": [2, 2]}
    for report in (*own.values(), integrated):
        no_small_number_shows(report)


def test_the_annual_figures_and_vp_reports_of_a_mixed_year_match_the_hand_count(
        session, rt, mixed_year):
    check_annual_figures(build_report(session, 2025, THRESHOLD, now=NOW, zone=AMSTERDAM))
    check_vp_reports(session, mixed_year)
    # Retention turns every closed case into a tally (F5, F6, A2, E2 stay
    # open and live): the figures do not change, New Year's Eve included.
    run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert session.scalar(select(func.count()).select_from(Case)) == 4
    assert session.scalar(select(func.count()).select_from(CaseTally)) == 12
    check_annual_figures(build_report(session, 2025, THRESHOLD, now=NOW, zone=AMSTERDAM))
    check_vp_reports(session, mixed_year)

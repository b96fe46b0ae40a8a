"""Issue #17, defect 4: the VP annual report (seed 000 §28). Every
vertrouwenspersoon - internal, external or central - reports yearly per unit
on the signals and cases they had and what came of them; the ICC integrates
those reports. Counted from clear metadata and tallies, protected like the
annual figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.cases.registration import Signal, register_signal
from app.cases.workflow import perform
from app.errors import Invalid
from app.models import AuditEntry, Case, CaseTally, utcnow
from app.retention.sweep import run_sweep
from app.stats.disclosure import HIDDEN
from app.stats.vp_report import (
    build_counsellor_report,
    build_integrated_report,
    narrative_for,
    save_narrative,
)
from app.vocabulary import CounsellorKind, UnitKind
from tests.cases.conftest import key_of
from tests.stats.test_report import grid

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")
IN_2025 = datetime(2025, 4, 1, tzinfo=UTC)
numbers = count(1)


def add_vp_case(session, unit, counsellor, *, category="ongewenste_omgangsvormen", sub=None,
                signal=False, outcome=None, referred_to=None, escalated=False,
                received=IN_2025):
    """A case that reached a counsellor: a registered signal (closed at once),
    an advice case (open, or closed with `outcome`) or one passed on to the IC."""
    closed = signal or outcome is not None
    case = Case(
        number=f"MP-VP-{next(numbers):04d}", unit_id=unit.id,
        track="report" if escalated else "advice", category=category, subcategory=sub,
        channel="confidential", intake_channel="in_person" if signal else "web",
        state="closed" if closed else ("with_ic" if escalated else "with_vp"),
        received_at=received, acknowledge_due_at=received + timedelta(days=7),
        acknowledged_at=received, feedback_due_at=received + timedelta(days=91),
        closed_at=received + timedelta(days=1) if closed else None,
        outcome=outcome, referred_to=referred_to,
        close_reason="signal" if signal else (outcome if closed else None),
        escalated_at=received + timedelta(days=2) if escalated else None,
        counsellor_id=counsellor.id if counsellor else None,
    )
    session.add(case)
    return case


@pytest.fixture()
def central(units):
    """The demo organisation's home of central counsellors (tests/conftest.py)."""
    unit = units["centraal"]
    assert unit.kind == UnitKind.CENTRAL
    return unit


@pytest.fixture()
def vps(make_staff, central):
    return {"internal": make_staff("vertrouwenspersoon", unit="kerndepartement"),
            "external": make_staff("vertrouwenspersoon", unit="extern"),
            "central": make_staff("vertrouwenspersoon", unit="centraal")}


@pytest.fixture()
def year(session, units, vps):
    """2025, counted by hand:
    internal VP (kerndepartement): 5 signals at Kerndepartement on bullying,
      advice given; 3 bullying cases at Kerndepartement passed on to the IC;
    external VP: 4 signals at RIVM on sexual harassment referred to HR (one
      of them already deleted by retention: a tally), 1 referred to the
      company doctor; 3 bullying cases at CIBG still open;
    central VP: 3 signals at Kerndepartement on aggression, advice given;
      1 case at RIVM on discrimination, withdrawn (otherwise closed);
    not attributed (from before counsellors were recorded): 2 bullying
      cases at RIVM still open.
    Not counted: 4 formal reports at Kerndepartement that never reached a
    counsellor, and 2 signals of the internal VP in 2024."""
    kd, rivm, cibg = units["kerndepartement"], units["rivm"], units["cibg"]
    internal, external, central = (vps[k].user for k in ("internal", "external", "central"))
    for _ in range(5):
        add_vp_case(session, kd, internal, sub="pesten", signal=True, outcome="advice_given")
    for _ in range(3):
        add_vp_case(session, kd, internal, sub="pesten", escalated=True)
    for _ in range(3):
        add_vp_case(session, rivm, external, sub="seksuele_intimidatie", signal=True,
                    outcome="referred", referred_to="hr")
    session.add(CaseTally(
        unit_id=rivm.id, track="advice", category="ongewenste_omgangsvormen",
        subcategory="seksuele_intimidatie", typology_version="rijk-2024",
        channel="confidential", intake_channel="in_person", outcome="referred",
        close_reason="signal", received_on=datetime(2025, 2, 1, tzinfo=UTC),
        closed_on=datetime(2025, 2, 1, tzinfo=UTC), escalated=False,
        counsellor_id=external.id, referred_to="hr"))
    add_vp_case(session, rivm, external, sub="seksuele_intimidatie", signal=True,
                outcome="referred", referred_to="company_doctor")
    for _ in range(3):
        add_vp_case(session, cibg, external, sub="pesten")
    for _ in range(3):
        add_vp_case(session, kd, central, sub="agressie_geweld", signal=True,
                    outcome="advice_given")
    add_vp_case(session, rivm, central, sub="discriminatie_racisme", outcome="withdrawn")
    for _ in range(2):
        add_vp_case(session, rivm, None, sub="pesten")
    for _ in range(4):
        case = add_vp_case(session, kd, None, category="financiele_schendingen")
        case.track, case.state = "report", "with_ic"
    for _ in range(2):
        add_vp_case(session, kd, internal, sub="pesten", signal=True, outcome="advice_given",
                    received=datetime(2024, 6, 1, tzinfo=UTC))
    session.commit()
    return vps


def raw(table):
    """The counted table (before suppression), rows with a non-zero total."""
    return {(table.row_labels[i] if i < table.rows else "total"): table.grid[i]
            for i in range(table.rows + 1)
            if table.grid[i][table.cols] or i == table.rows}


def never_shows_a_small_number(report):
    for table in report.tables.values():
        for i, row in enumerate(table.grid):
            for j, value in enumerate(row):
                if 0 < value < report.threshold:
                    assert table.status[i][j] in HIDDEN, (table.title, i, j)


# escalated, advice given, referred, otherwise closed, open | total

def test_an_external_vp_sees_the_signals_they_registered_for_rivm_not_zeros(session, year):
    report = build_counsellor_report(session, 2025, 3, year["external"].user.id, now=NOW, zone=ZONE)
    assert report.counsellor is not None
    assert report.counsellor.kind == CounsellorKind.EXTERNAL
    assert raw(report.tables["vp_by_unit"]) == {
        "CIBG": [0, 0, 0, 0, 3, 3],
        "RIVM": [0, 0, 5, 0, 0, 5],
        "total": [0, 0, 5, 0, 3, 8],
    }
    assert grid(report.tables["vp_by_unit"])["RIVM"] == ["0", "0", "5", "0", "0", "5"]
    assert raw(report.tables["vp_by_category"]) == {
        "ongewenste_omgangsvormen/pesten": [0, 0, 0, 0, 3, 3],
        "ongewenste_omgangsvormen/seksuele_intimidatie": [0, 0, 5, 0, 0, 5],
        "total": [0, 0, 5, 0, 3, 8],
    }
    assert raw(report.tables["vp_by_contact"]) == {
        "signal": [0, 0, 5, 0, 0, 5], "advice_case": [0, 0, 0, 0, 3, 3],
        "total": [0, 0, 5, 0, 3, 8]}
    # Referred to whom: 4 to HR (one of them a tally), 1 to the company
    # doctor - small, so hidden, and HR with it (else 5 - 4 gives it away).
    assert raw(report.tables["vp_referred_to"]) == {
        "hr": [4, 4], "company_doctor": [1, 1], "total": [5, 5]}
    assert grid(report.tables["vp_referred_to"]) == {
        "hr": ["x"], "company_doctor": ["< 3"], "total": ["5"]}
    never_shows_a_small_number(report)


def test_an_internal_vp_report_counts_only_their_own_cases(session, year):
    report = build_counsellor_report(session, 2025, 3, year["internal"].user.id, now=NOW, zone=ZONE)
    assert report.counsellor.kind == CounsellorKind.INTERNAL
    # Not the central VP's 3 signals at the same unit, not 2024, not the
    # formal reports that never reached a counsellor.
    assert raw(report.tables["vp_by_unit"]) == {
        "Kerndepartement": [3, 5, 0, 0, 0, 8], "total": [3, 5, 0, 0, 0, 8]}
    assert grid(report.tables["vp_by_unit"])["Kerndepartement"] == ["3", "5", "0", "0", "0", "8"]


def test_a_central_vp_report_spans_units_and_hides_the_small_cells(session, year):
    report = build_counsellor_report(session, 2025, 3, year["central"].user.id, now=NOW, zone=ZONE)
    assert report.counsellor.kind == CounsellorKind.CENTRAL
    assert raw(report.tables["vp_by_unit"]) == {
        "Kerndepartement": [0, 3, 0, 0, 0, 3], "RIVM": [0, 0, 0, 1, 0, 1],
        "total": [0, 3, 0, 1, 0, 4]}
    shown = grid(report.tables["vp_by_unit"])
    assert shown["RIVM"][3] == "< 3" and "1" not in shown["RIVM"]
    never_shows_a_small_number(report)


def test_a_higher_threshold_hides_more(session, year):
    report = build_counsellor_report(session, 2025, 5, year["internal"].user.id, now=NOW, zone=ZONE)
    shown = grid(report.tables["vp_by_unit"])["Kerndepartement"]
    assert shown[0] == "< 5" and shown[1] != "5"
    never_shows_a_small_number(report)


def test_the_iccs_integrated_report_per_unit_and_per_kind_of_counsellor(session, year):
    report = build_integrated_report(session, 2025, 3, now=NOW, zone=ZONE)
    assert report.counsellor is None
    assert raw(report.tables["vp_by_unit"]) == {
        "Kerndepartement": [3, 8, 0, 0, 0, 11],
        "CIBG": [0, 0, 0, 0, 3, 3],
        "RIVM": [0, 0, 5, 1, 2, 8],
        "total": [3, 8, 5, 1, 5, 22],
    }
    # internal, external, central, not attributed
    assert report.tables["vp_by_unit_kind"].col_labels == [*CounsellorKind, "unattributed"]
    assert raw(report.tables["vp_by_unit_kind"]) == {
        "Kerndepartement": [8, 0, 3, 0, 11],
        "CIBG": [0, 3, 0, 0, 3],
        "RIVM": [0, 5, 1, 2, 8],
        "total": [8, 8, 4, 2, 22],
    }
    assert grid(report.tables["vp_by_unit"])["total"][5] == "22"
    never_shows_a_small_number(report)


def test_a_number_two_tables_share_is_hidden_in_both(session, year):
    """The referred column total of the category table is the total of the
    referral table: hidden in one, hidden in the other."""
    report = build_integrated_report(session, 2025, 20, now=NOW, zone=ZONE)
    by_category, referred = report.tables["vp_by_category"], report.tables["vp_referred_to"]
    column = by_category.col_labels.index("referred")
    assert by_category.grid[by_category.rows][column] == referred.grid[referred.rows][0] == 5
    assert by_category.status[by_category.rows][column] in HIDDEN
    assert referred.status[referred.rows][0] in HIDDEN


def test_a_signal_registered_by_an_external_vp_is_theirs(session, rt, year, units):
    external = year["external"]
    case = register_signal(session, rt, external.user, Signal(
        unit_id=units["rivm"].id, category="ongewenste_omgangsvormen", subcategory="pesten",
        on=date(2025, 5, 1), advice_given=True, referred_to=None))
    assert case.counsellor_id == external.user.id
    report = build_counsellor_report(session, 2025, 3, external.user.id, now=NOW, zone=ZONE)
    assert raw(report.tables["vp_by_unit"])["RIVM"] == [0, 1, 5, 0, 0, 6]


def test_the_chosen_vp_and_the_vp_who_passes_a_case_on_are_recorded(session, rt, make_staff,
                                                                      units, vps):
    make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    chosen = vps["central"]
    case, _ = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="advice", channel="anonymous",
        report={"what": "Een collega wordt buitengesloten."}))
    assert case.counsellor_id is None
    # A request for a VP goes to the VPs (issue #18); the central VP takes it.
    perform(session, rt, case, chosen.user, key_of(chosen), "acknowledge", text="Dank je.")
    perform(session, rt, case, chosen.user, key_of(chosen), "route_to_vp",
            vp_id=str(chosen.user.id))
    assert case.counsellor_id == chosen.user.id
    case.consent_given_at = utcnow()
    perform(session, rt, case, chosen.user, key_of(chosen), "escalate_to_ic")
    assert case.counsellor_id == chosen.user.id and ic.user.id != chosen.user.id
    year = case.received_at.astimezone(ZONE).year
    report = build_counsellor_report(session, year, 3, chosen.user.id, zone=ZONE)
    assert raw(report.tables["vp_by_unit"])["Kerndepartement"] == [1, 0, 0, 0, 0, 1]


def test_retention_keeps_the_counsellor_and_the_referral_in_the_tally(session, rt, year):
    external = year["external"].user.id
    before = raw(build_counsellor_report(session, 2025, 3, external, now=NOW, zone=ZONE)
                 .tables["vp_referred_to"])
    deleted = run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert deleted.deleted  # every closed case went
    session.expire_all()
    assert session.scalar(select(Case.id).where(Case.counsellor_id == external,
                                                Case.closed_at.is_not(None))) is None
    after = build_counsellor_report(session, 2025, 3, external, now=NOW, zone=ZONE)
    assert raw(after.tables["vp_referred_to"]) == before
    assert raw(after.tables["vp_by_unit"])["RIVM"] == [0, 0, 5, 0, 0, 5]


def test_a_vp_writes_and_rewrites_their_account_of_the_year(session, rt, year):
    vp = year["external"].user
    save_narrative(session, rt, vp, 2025, "Veel vragen over grensoverschrijdend gedrag.")
    save_narrative(session, rt, vp, 2025, "Veel vragen over grensoverschrijdend gedrag bij RIVM.")
    narrative = narrative_for(session, vp.id, 2025)
    assert narrative is not None and narrative.body.endswith("bij RIVM.")
    assert narrative.updated_by_id == vp.id
    assert narrative_for(session, vp.id, 2024) is None
    entries = session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor == f"user:{vp.id}")).all()
    assert entries.count("vp_report.narrative_saved") == 2
    report = build_counsellor_report(session, 2025, 3, vp.id, now=NOW, zone=ZONE)
    assert report.narrative is not None and report.narrative.body.endswith("bij RIVM.")
    integrated = build_integrated_report(session, 2025, 3, now=NOW, zone=ZONE)
    assert [(c.id, n.body[:4]) for c, n in integrated.narratives] == [(vp.id, "Veel")]


def test_only_a_vp_writes_an_account_and_only_a_sensible_one(session, rt, year, make_staff):
    icc = make_staff("icc")
    with pytest.raises(Invalid):
        save_narrative(session, rt, icc.user, 2025, "Niet mijn verslag.")
    vp = year["internal"].user
    for year_, text in ((2025, "   "), (2025, "x" * 20_001), (1999, "Te vroeg."),
                        (utcnow().year + 1, "Te laat.")):
        with pytest.raises(Invalid):
            save_narrative(session, rt, vp, year_, text)
    assert narrative_for(session, vp.id, 2025) is None

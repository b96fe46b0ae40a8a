"""The year's figures from a fixed data set, hand-computed, with suppression."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.models import AuditEntry, Case
from app.retention.sweep import run_sweep
from app.stats.report import build_report
from app.web.stats_export import to_csv, to_json
from tests.conftest import sign_in

NOW = datetime(2026, 6, 1, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
numbers = count(1)


def add_case(session, unit, *, track, category, sub=None, channel="anonymous",
             received=datetime(2025, 3, 1, tzinfo=UTC), ack_days=3, close_days=None,
             outcome=None, measure=None, escalated=False, feedback_days=None):
    ack_due = received + timedelta(days=7)
    ack = received + timedelta(days=ack_days) if ack_days is not None else None
    case = Case(
        number=f"MP-TEST-{next(numbers):04d}", unit_id=unit.id, track=track, category=category,
        subcategory=sub, channel=channel, state="closed" if close_days else "with_vp",
        received_at=received, acknowledge_due_at=ack_due, acknowledged_at=ack,
        feedback_due_at=(ack or ack_due) + timedelta(days=91),
        closed_at=received + timedelta(days=close_days) if close_days else None,
        outcome=outcome, measure=measure,
        escalated_at=received + timedelta(days=2) if escalated else None,
        feedback_given_at=received + timedelta(days=feedback_days) if feedback_days else None,
    )
    session.add(case)
    return case


@pytest.fixture()
def data(session, units):
    """2025, kerndepartement unless said otherwise:
    - 6 formal reports, financial, confidential, feedback after 60 days,
      closed after 120 days, unfounded;
    - 3 advice signals on bullying, anonymous, still open;
    - 2 formal reports on bullying, open channel, still open;
    - 8 advice signals on sexual harassment at RIVM, anonymous, still open;
    - 7 formal reports on sexual harassment at RIVM, confidential, acknowledged
      after 10 days (late), feedback after 150 days (late), closed after 200
      days, founded, measure reprimand.
    Every case is acknowledged 3 days after receipt unless said otherwise.
    Plus 5 formal reports in 2024 for the trend."""
    kd, rivm = units["kerndepartement"], units["rivm"]
    for _ in range(6):
        add_case(session, kd, track="report", category="financiele_schendingen",
                 channel="confidential", close_days=120, outcome="unfounded", feedback_days=60)
    for _ in range(3):
        add_case(session, kd, track="advice", category="ongewenste_omgangsvormen", sub="pesten")
    for _ in range(2):
        add_case(session, kd, track="report", category="ongewenste_omgangsvormen", sub="pesten",
                 channel="open")
    for _ in range(8):
        add_case(session, rivm, track="advice", category="ongewenste_omgangsvormen",
                 sub="seksuele_intimidatie")
    for _ in range(7):
        add_case(session, rivm, track="report", category="ongewenste_omgangsvormen",
                 sub="seksuele_intimidatie", channel="confidential", ack_days=10,
                 close_days=200, outcome="founded", measure="reprimand", feedback_days=150)
    for _ in range(5):
        add_case(session, kd, track="report", category="financiele_schendingen",
                 received=datetime(2024, 5, 1, tzinfo=UTC), close_days=30, outcome="unfounded")
    session.commit()
    return units


def grid(table):
    """Displayed table, rows with a non-zero total only, as {row: [cells]}."""
    width = table.cols + (1 if table.cols > 1 else 0)
    rows = {}
    for i in range(table.rows + 1):
        name = table.row_labels[i] if i < table.rows else "total"
        cells = [table.display(i, j) for j in range(width)]
        if table.grid[i][table.cols] or name == "total":
            rows[name] = cells
    return rows


def test_received_by_category_and_track(session, data):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    assert grid(report.tables["received_by_category"]) == {
        # advice, report, total
        "financiele_schendingen": ["0", "6", "6"],
        # 3 and 2 are small: hidden, and the sexual-harassment row hides its
        # two cells too, else subtracting from the column totals gives them away.
        "ongewenste_omgangsvormen/pesten": ["< 5", "< 5", "5"],
        "ongewenste_omgangsvormen/seksuele_intimidatie": ["x", "x", "15"],
        "total": ["11", "15", "26"],
    }


def test_closed_by_outcome_measures_and_trend(session, data):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    assert grid(report.tables["closed_by_outcome"]) == {
        "unfounded": ["0", "6", "6"],
        "founded": ["0", "7", "7"],
        "total": ["0", "13", "13"],
    }
    assert grid(report.tables["measures"]) == {"reprimand": ["7"], "total": ["7"]}
    assert grid(report.tables["trend_received"]) == {
        "2024": ["0", "5", "5"],
        "2025": ["11", "15", "26"],
        "total": ["11", "20", "31"],
    }
    assert report.tables["trend_received"].row_labels == ["2021", "2022", "2023", "2024", "2025"]


def test_vp_signals_per_unit(session, data):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    # escalated, advice given, referred, otherwise closed, open | total
    assert grid(report.tables["vp_signals_by_unit"]) == {
        "Kerndepartement": ["0", "0", "0", "0", "< 5", "< 5"],
        # The 8 and its total are hidden too: else 11 - 8 gives the 3 away.
        "RIVM": ["0", "0", "0", "0", "x", "x"],
        "total": ["0", "0", "0", "0", "11", "11"],
    }


def test_timeliness_and_days_to_close(session, data):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    shares = {s.key: s for s in report.shares}
    # Formal reports only: 15 received in 2025 (the 11 advice cases are left
    # out), all acknowledged; the 7 RIVM reports late.
    assert (shares["acknowledged_in_time"].numerator,
            shares["acknowledged_in_time"].denominator) == (8, 15)
    assert shares["acknowledged_in_time"].percent == 53.3
    # Feedback was due for all 15 by June 2026; only the 6 financial reports
    # had it in time (the 7 founded ones after 150 days, the 2 others none yet).
    assert (shares["feedback_in_time"].numerator,
            shares["feedback_in_time"].denominator) == (6, 15)
    # Days to close of the 13 closed in 2025: 6 x 120 and 7 x 200.
    assert report.median_days_to_close == 200.0
    assert report.p90_days_to_close == 200.0


def test_a_unit_sees_only_its_own_figures(session, data, units):
    report = build_report(session, 2025, 5, unit_id=units["rivm"].id, now=NOW,
                          zone=AMSTERDAM)
    table = grid(report.tables["received_by_category"])
    assert table["total"] == ["8", "7", "15"]
    assert "financiele_schendingen" not in table


def test_small_population_hides_percentages(session, units):
    add_case(session, units["cbg"], track="report", category="financiele_schendingen")
    session.commit()
    report = build_report(session, 2025, 5, unit_id=units["cbg"].id, now=NOW,
                          zone=AMSTERDAM)
    assert all(s.percent is None for s in report.shares)
    assert report.median_days_to_close is None


def test_exports_carry_definitions_and_never_the_hidden_numbers(session, data):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    data_json = json.loads(to_json(report))
    assert data_json["threshold"] == 5 and data_json["definitions"]
    pesten = next(r for r in data_json["tables"]["received_by_category"]["rows"]
                  if r["row"] == "ongewenste_omgangsvormen/pesten")
    assert pesten["cells"]["advice"] == {"value": None, "suppressed": "primary"}
    assert pesten["cells"]["total"] == {"value": 5, "suppressed": None}
    with force_locale("en"):
        text = to_csv(report)
    assert "< 5" in text and "Threshold for small numbers,5" in text


def test_figures_do_not_change_when_retention_deletes_old_cases(session, rt, data):
    before = {y: json.loads(to_json(build_report(session, y, 5, now=NOW, zone=AMSTERDAM)))
              for y in (2022, 2024, 2025)}
    deleted = run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert len(deleted.deleted) == 18  # every closed case
    session.expire_all()
    after = {y: json.loads(to_json(build_report(session, y, 5, now=NOW, zone=AMSTERDAM)))
             for y in (2022, 2024, 2025)}
    for year in before:
        before[year].pop("generated_at"), after[year].pop("generated_at")
        assert before[year] == after[year], year


@pytest.mark.parametrize("role,status", [("icc", 200), ("integriteitscoordinator", 200),
                                         ("vertrouwenspersoon", 200), ("intake", 403),
                                         ("admin", 403), ("auditor", 403)])
def test_who_may_see_the_figures(client, make_staff, data, role, status):
    sign_in(client, make_staff(role))
    assert client.get("/medewerkers/statistiek/?jaar=2025").status_code == status
    assert client.get("/medewerkers/statistiek/export.csv?jaar=2025").status_code == status


def test_icc_page_and_csv_export_are_logged(client, session, make_staff, data):
    icc = make_staff("icc")
    sign_in(client, icc)
    page = client.get("/medewerkers/statistiek/?jaar=2025")
    html = page.get_data(as_text=True)
    assert "<svg" in html and "<script" not in html
    export = client.get("/medewerkers/statistiek/export.csv?jaar=2025")
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "meldpunt-statistiek-2025.csv" in export.headers["Content-Disposition"]
    assert client.get("/medewerkers/statistiek/export.json?jaar=2025").status_code == 200
    actions = session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor == f"user:{icc.user.id}")).all()
    assert "stats.viewed" in actions and actions.count("stats.exported") == 2


def test_ic_of_a_unit_can_not_ask_for_another_unit(client, make_staff, data, units):
    ic = make_staff("integriteitscoordinator", unit="rivm")
    sign_in(client, ic)
    html = client.get(f"/medewerkers/statistiek/?jaar=2025&eenheid={units['kerndepartement'].id}"
                      ).get_data(as_text=True)
    assert "RIVM" in html and "Kerndepartement" not in html


def test_cli_export(app, data):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "export", "--year", "2025", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["year"] == 2025
    result = runner.invoke(args=["stats", "export", "--year", "2025", "--unit", "rivm"])
    assert result.exit_code == 0 and "RIVM" in result.output

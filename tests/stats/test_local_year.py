"""Issue #17 defect 3: a year in the statistics is a calendar year in the
organisation's time zone. A case closed at 23:30 on New Year's Eve counts
in that year, one received at 00:30 on New Year's Day in the next — as a
live case and as the tally retention keeps of it, so the figures do not
move when the case is shredded."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import create_app
from app.cases.deadlines import acknowledge_due, feedback_due
from app.config import Settings
from app.models import Case, CaseTally
from app.retention.sweep import run_sweep
from app.stats.report import build_report
from app.web.stats_export import to_json
from tests.stats.test_report import grid

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CURACAO = ZoneInfo("America/Curacao")
NOW = datetime(2027, 6, 1, tzinfo=UTC)
numbers = count(1)


def add_cases(session, unit, *, received: datetime, closed: datetime | None = None,
              n: int = 5) -> None:
    """n formal reports (n >= 5: not suppressed), acknowledged a day later."""
    settings = Settings()
    for _ in range(n):
        acknowledged = received + timedelta(days=1)
        session.add(Case(
            number=f"MP-TZ-{next(numbers):04d}", unit_id=unit.id, track="report",
            category="financiele_schendingen", channel="confidential",
            state="closed" if closed else "acknowledged", received_at=received,
            acknowledge_due_at=acknowledge_due(received, settings), acknowledged_at=acknowledged,
            feedback_due_at=feedback_due(received, acknowledged, settings),
            closed_at=closed, outcome="unfounded" if closed else None,
        ))
    session.commit()


def received_in(session, year: int, zone: ZoneInfo = AMSTERDAM) -> dict:
    report = build_report(session, year, 5, now=NOW, zone=zone)
    return grid(report.tables["trend_received"]).get(str(year), ["0", "0", "0"])


def closed_in(session, year: int, zone: ZoneInfo = AMSTERDAM) -> dict:
    report = build_report(session, year, 5, now=NOW, zone=zone)
    return grid(report.tables["closed_by_outcome"]).get("total")


def test_received_at_half_past_midnight_on_new_years_day_counts_in_the_new_year(
        session, units):
    # 23:30 UTC on 31 December 2025.
    add_cases(session, units["kerndepartement"], received=datetime(2026, 1, 1, 0, 30,
                                                                   tzinfo=AMSTERDAM))
    assert received_in(session, 2026) == ["0", "5", "5"]
    assert received_in(session, 2025) == ["0", "0", "0"]
    # And in the trend of the next year's report, on the 2026 row.
    trend = grid(build_report(session, 2027, 5, now=NOW, zone=AMSTERDAM)
                 .tables["trend_received"])
    assert trend["2026"] == ["0", "5", "5"] and "2025" not in trend


def test_new_years_eve_counts_in_its_year_before_and_after_the_sweep(session, rt, units):
    kd = units["kerndepartement"]
    received = datetime(2025, 12, 31, 23, 30, tzinfo=AMSTERDAM)
    # Closed at 23:30 on New Year's Eve 2026, and at 00:30 on New Year's Day
    # 2027 (23:30 UTC on 31 December).
    add_cases(session, kd, received=received,
              closed=datetime(2026, 12, 31, 23, 30, tzinfo=AMSTERDAM))
    add_cases(session, kd, received=datetime(2026, 1, 1, 0, 30, tzinfo=AMSTERDAM),
              closed=datetime(2027, 1, 1, 0, 30, tzinfo=AMSTERDAM), n=6)
    expected = {
        2025: (["0", "5", "5"], ["0", "0", "0"]),
        2026: (["0", "6", "6"], ["0", "5", "5"]),
        2027: (["0", "0", "0"], ["0", "6", "6"]),
    }
    before = {y: (received_in(session, y), closed_in(session, y)) for y in expected}
    assert before == expected
    exports = {y: json.loads(to_json(build_report(session, y, 5, now=NOW, zone=AMSTERDAM)))
               for y in expected}

    swept = run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert len(swept.deleted) == 11
    session.expire_all()
    assert session.scalar(select(Case.id)) is None
    # The tallies keep the local dates.
    tallies = session.scalars(select(CaseTally).order_by(CaseTally.id)).all()
    assert {(t.received_on.date(), t.closed_on.date()) for t in tallies} == {
        (date(2025, 12, 31), date(2026, 12, 31)), (date(2026, 1, 1), date(2027, 1, 1))}
    after = {y: (received_in(session, y), closed_in(session, y)) for y in expected}
    assert after == expected
    for year, export in exports.items():
        again = json.loads(to_json(build_report(session, year, 5, now=NOW, zone=AMSTERDAM)))
        export.pop("generated_at"), again.pop("generated_at")
        assert again == export, year


def test_days_to_close_are_calendar_days_on_the_local_calendar(session, rt, units):
    """Received 23:30 on 1 March, closed 00:30 on 3 March: 25 hours, but
    two calendar days — before and after the sweep."""
    add_cases(session, units["kerndepartement"],
              received=datetime(2026, 3, 1, 23, 30, tzinfo=AMSTERDAM),
              closed=datetime(2026, 3, 3, 0, 30, tzinfo=AMSTERDAM))
    assert build_report(session, 2026, 5, now=NOW, zone=AMSTERDAM).median_days_to_close == 2
    run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    session.expire_all()
    assert build_report(session, 2026, 5, now=NOW, zone=AMSTERDAM).median_days_to_close == 2


def test_the_time_zone_setting_moves_the_cut_of_the_year(session, units):
    """Caribisch Nederland: 23:30 on New Year's Eve in Curaçao is 04:30 on New
    Year's Day in Amsterdam."""
    add_cases(session, units["kerndepartement"],
              received=datetime(2025, 12, 31, 23, 30, tzinfo=CURACAO))
    assert received_in(session, 2025, CURACAO) == ["0", "5", "5"]
    assert received_in(session, 2026, CURACAO) == ["0", "0", "0"]
    assert received_in(session, 2025, AMSTERDAM) == ["0", "0", "0"]
    assert received_in(session, 2026, AMSTERDAM) == ["0", "5", "5"]


def test_the_cli_export_cuts_the_year_in_the_configured_zone(settings, session, units):
    add_cases(session, units["kerndepartement"],
              received=datetime(2025, 12, 31, 23, 30, tzinfo=CURACAO))

    def total_2025(zone_name: str) -> int:
        app = create_app(settings.with_changes(timezone=zone_name))
        try:
            # Its own app context: the test's app (Amsterdam) is the current one.
            with app.app_context():
                result = app.test_cli_runner().invoke(
                    args=["stats", "export", "--year", "2025", "--format", "json"])
            assert result.exit_code == 0, result.output
            exported = json.loads(result.output)
        finally:
            app.extensions["meldpunt.engine"].dispose()
        # The time of the export is local, with its offset.
        assert exported["generated_at"].endswith(("-04:00", "+01:00", "+02:00"))
        rows = exported["tables"]["trend_received"]["rows"]
        return next(r["cells"]["total"]["value"] for r in rows if r["row"] == "2025")

    assert total_2025("America/Curacao") == 5
    assert total_2025("Europe/Amsterdam") == 0

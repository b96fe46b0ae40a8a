"""The year report: every published table, protected. What each figure means
(its definitions) is told by the web layer (app/web/stats_labels.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.person_data import HEARING_HELD, NOTICE_DEFERRED
from app.cases.typology import CATEGORIES
from app.models import Unit, utcnow
from app.stats import counts
from app.stats.counts import (
    UNCLASSIFIED,
    UNWANTED,
    VP_COLUMNS,
    Period,
    category_key,
)
from app.stats.disclosure import ProtectedTable, protect_linked
from app.vocabulary import (
    HEARING_DONE,
    Channel,
    Measure,
    Outcome,
    RestrictionGround,
    Track,
    UnitKind,
)

TREND_YEARS = 5
# What the year's tables and figures are sums over (see build_report).
RECEIVED_DIMS = ("unit", "track", "category", "subcategory", "channel", "escalated", "closed",
                 "outcome", "acknowledged", "feedback")
CLOSED_DIMS = ("outcome", "track", "measure")
CLOSED_DIMS_DAYS = (*CLOSED_DIMS, "days")
# Per table: the counts, the row codes and the column codes, before suppression.
RawTables = dict[str, tuple[list[list[int]], list[str], list[str]]]
# The row of cases closed without an outcome (not Measure.NONE, "none").
NO_OUTCOME = "no_outcome"


@dataclass
class ShareFigure:
    key: str
    numerator: int
    denominator: int
    threshold: int

    @property
    def suppressed(self) -> bool:
        return self.denominator < self.threshold

    @property
    def percent(self) -> float | None:
        if self.suppressed or not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator, 1)


@dataclass
class YearReport:
    year: int
    unit_id: int | None
    unit_name: str | None
    threshold: int
    generated_at: datetime
    tables: dict[str, ProtectedTable] = field(default_factory=dict)
    shares: list[ShareFigure] = field(default_factory=list)
    median_days_to_close: float | None = None
    p90_days_to_close: float | None = None
    closed_count_shown: bool = False


def category_rows() -> list[str]:
    rows = []
    for kind in CATEGORIES:
        if kind.code == UNWANTED:
            rows += [f"{UNWANTED}/{sub.code}" for sub in kind.subtypes]
        else:
            rows.append(kind.code)
    return rows + [UNCLASSIFIED]


def matrix(counter: Mapping[Any, int], rows: list[str], cols: list[str],
            row_of: Callable[[Any], str], col_of: Callable[[Any], str]) -> list[list[int]]:
    index_r = {r: i for i, r in enumerate(rows)}
    index_c = {c: j for j, c in enumerate(cols)}
    matrix = [[0] * len(cols) for _ in rows]
    for key, value in counter.items():
        r, c = row_of(key), col_of(key)
        if r not in index_r:
            r = rows[-1]  # an unknown code counts as "other / unclassified"
        if c in index_c:
            matrix[index_r[r]][index_c[c]] += value
    return matrix


def vp_column(escalated: bool, closed: bool, outcome: str | None) -> str:
    """What came of a case that reached a counsellor (VP_COLUMNS)."""
    if escalated:
        return "escalated"
    if not closed:
        return "open"
    if outcome in ("advice_given", "referred"):
        return outcome
    return "other_closed"


def build_report(session: Session, year: int, threshold: int, unit_id: int | None = None,
                 now: datetime | None = None, *, zone: ZoneInfo) -> YearReport:
    """The calendar `year` in the organisation's time zone `zone`."""
    now = now or utcnow()
    names = counts.unit_names(session)
    period = Period.year(year, zone)
    report = YearReport(year=year, unit_id=unit_id, unit_name=names.get(unit_id or -1),
                        threshold=threshold, generated_at=now.astimezone(zone))
    cat_rows = category_rows()

    raw: RawTables = {}
    # One grouped query per table for what was received, one for what was
    # closed and one for the earlier years of the trend; the tables and the
    # timeliness figures are sums over these.
    received = counts.grouped(session, RECEIVED_DIMS, "received", period, unit_id, now=now)

    def received_by(*wanted: str, **equal: object) -> Counter:
        return counts.project(received, RECEIVED_DIMS, wanted, **equal)

    units = _units_shown(session, names, unit_id, received_by("unit"))
    unit_rows = [str(u) for u in units] or ["-"]

    raw["received_by_category"] = (matrix(
        received_by("category", "subcategory", "track"), cat_rows, list(Track),
        lambda k: category_key(k[0], k[1]), lambda k: k[2]), cat_rows, list(Track))
    raw["received_by_unit_channel"] = (matrix(
        received_by("unit", "channel"), unit_rows, list(Channel), lambda k: str(k[0]),
        lambda k: k[1]), unit_rows, list(Channel))
    closed = counts.closed_with_days(session, period, CLOSED_DIMS, unit_id)
    outcome_rows = [*Outcome, NO_OUTCOME]
    raw["closed_by_outcome"] = (matrix(
        counts.project(closed, CLOSED_DIMS_DAYS, ["outcome", "track"]), outcome_rows,
        list(Track), lambda k: k[0] or NO_OUTCOME, lambda k: k[1]), outcome_rows, list(Track))
    measures = counts.project(closed, CLOSED_DIMS_DAYS, ["measure"])
    measure_rows = [*Measure]
    raw["measures"] = (matrix(
        {k: v for k, v in measures.items() if k[0]}, measure_rows, ["count"],
        lambda k: k[0], lambda k: "count"), measure_rows, ["count"])
    # What reached a confidential counsellor: the advice track, and the
    # formal reports they passed on (escalation makes a case a report).
    vp_dims = ("unit", "escalated", "closed", "outcome")
    vp_cases = (received_by(*vp_dims, track=Track.ADVICE)
                + received_by(*vp_dims, track=Track.REPORT, escalated=True))
    raw["vp_signals_by_unit"] = (matrix(
        vp_cases, unit_rows,
        list(VP_COLUMNS), lambda k: str(k[0]), lambda k: vp_column(k[1], k[2], k[3])),
        unit_rows, list(VP_COLUMNS))
    first = year - TREND_YEARS + 1
    trend_rows = [str(y) for y in range(first, year + 1)]
    trend = [[0, 0] for _ in trend_rows]
    earlier = counts.grouped(session, ["year", "track"], "received",
                             Period.years(first, year, zone), unit_id)
    this_year = Counter({(year, t): n for (t,), n in received_by("track").items()})
    for (y, track), value in (earlier + this_year).items():
        if track in tuple(Track) and first <= y <= year:
            trend[y - first][list(Track).index(track)] += value
    raw["trend_received"] = (trend, trend_rows, list(Track))
    # Hearings held and notices deferred: counts of events, never who.
    events = counts.person_events(session, period, unit_id)
    hearing_rows = [f"hearing_{status}" for status in HEARING_DONE]
    raw["hearings_held"] = ([[events[(HEARING_HELD, str(status))]] for status in HEARING_DONE],
                            hearing_rows, ["count"])
    ground_rows = [str(ground) for ground in RestrictionGround]
    raw["notices_deferred"] = ([[events[(NOTICE_DEFERRED, str(ground))]]
                                for ground in ground_rows], ground_rows, ["count"])

    report.tables = _protect_all(raw, threshold)
    _label_units(report, names)
    # Timeliness and days to close: formal reports only (a VP signal or an
    # advice case owes no feedback; a signal's dates are a conversation's
    # and its registration's).
    _timeliness(report, counts.timeliness(
        received_by("acknowledged", "feedback", track=Track.REPORT),
        counts.project(closed, CLOSED_DIMS_DAYS, ["days"], track=Track.REPORT)))
    return report


def _units_shown(session: Session, names: dict[int, str], unit_id: int | None,
                 received: Counter) -> list[int]:
    """The rows of the tables by unit: the ministry's units (not the pool of
    external counsellors, the home of central ones or an external bureau),
    and any other unit only when cases were counted under it, so that the
    rows add up to the totals."""
    if unit_id is not None:
        return [unit_id] if unit_id in names else []
    ministry = set(session.scalars(select(Unit.id).where(Unit.kind == UnitKind.UNIT)))
    counted = {key[0] for key, n in received.items() if n}
    return sorted((uid for uid in names if uid in ministry or uid in counted),
                  key=lambda u: names[u])


def _links(raw: RawTables) -> list[tuple[str, tuple[int, int], str, tuple[int, int]]]:
    """Cells that two tables of the export both publish (the same number)."""
    a = raw["received_by_category"]
    rows_a = len(a[1])
    b_rows, b_cols = len(raw["received_by_unit_channel"][1]), len(Channel)
    t_rows = len(raw["trend_received"][1])
    v_rows, v_cols = len(raw["vp_signals_by_unit"][1]), len(VP_COLUMNS)
    links = [
        ("received_by_category", (rows_a, 2), "received_by_unit_channel", (b_rows, b_cols)),
        ("received_by_category", (rows_a, 0), "vp_signals_by_unit", (v_rows, v_cols)),
    ]
    for j in range(3):  # this year's row of the trend = the totals of received
        links.append(("received_by_category", (rows_a, j), "trend_received", (t_rows - 1, j)))
    founded = list(Outcome).index(Outcome.FOUNDED)
    links.append(("closed_by_outcome", (founded, 2), "measures", (len(Measure), 0)))
    return links


def _protect_all(raw: RawTables, threshold: int) -> dict[str, ProtectedTable]:
    # This year's row of the trend repeats the headline totals: hide those last.
    trend_rows = len(raw["trend_received"][1])
    avoid = {"trend_received": frozenset((trend_rows - 1, j) for j in range(3))}
    return protect_linked(raw, threshold, _links(raw), avoid)


def _label_units(report: YearReport, names: dict[int, str]) -> None:
    for key in ("received_by_unit_channel", "vp_signals_by_unit"):
        table = report.tables[key]
        table.row_labels = [names.get(int(r), r) if r.isdigit() else r for r in table.row_labels]


def _timeliness(report: YearReport, figures: counts.Timeliness) -> None:
    t = report.threshold
    report.shares = [
        ShareFigure("acknowledged_in_time", figures.acknowledged_in_time,
                    figures.acknowledged_due, t),
        ShareFigure("feedback_in_time", figures.feedback_in_time, figures.feedback_due, t),
    ]
    report.closed_count_shown = figures.closed >= t
    if report.closed_count_shown:
        report.median_days_to_close = figures.median_days_to_close
        report.p90_days_to_close = figures.p90_days_to_close

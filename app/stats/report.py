"""The year report: every published table, protected. What each figure means
(its definitions) is told by the web layer (app/web/stats_labels.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.cases.typology import CATEGORIES
from app.models import utcnow
from app.stats import counts
from app.stats.counts import (
    UNCLASSIFIED,
    UNWANTED,
    VP_COLUMNS,
    Period,
    category_key,
)
from app.stats.disclosure import HIDDEN, SHOWN, ProtectedTable, protect
from app.vocabulary import Channel, Measure, Outcome, Track

TREND_YEARS = 5
# What the year's tables and figures are sums over (see build_report).
RECEIVED_DIMS = ("unit", "track", "category", "subcategory", "channel", "escalated", "closed",
                 "outcome", "acknowledged", "feedback")
CLOSED_DIMS = ("outcome", "track", "measure")
CLOSED_DIMS_DAYS = (*CLOSED_DIMS, "days")
# Per table: the counts, the row codes and the column codes, before suppression.
RawTables = dict[str, tuple[list[list[int]], list[str], list[str]]]


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


def _matrix(counter: Mapping[Any, int], rows: list[str], cols: list[str],
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


def _vp_column(escalated: bool, closed: bool, outcome: str | None) -> str:
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
    units = sorted((uid for uid in names if unit_id in (None, uid)), key=lambda u: names[u])
    unit_rows = [str(u) for u in units] or ["-"]
    cat_rows = category_rows()

    raw: RawTables = {}
    # One grouped query per table for what was received, one for what was
    # closed and one for the earlier years of the trend; the tables and the
    # timeliness figures are sums over these.
    received = counts.grouped(session, RECEIVED_DIMS, "received", period, unit_id, now=now)

    def received_by(*wanted: str, **equal: object) -> Counter:
        return counts.project(received, RECEIVED_DIMS, wanted, **equal)

    raw["received_by_category"] = (_matrix(
        received_by("category", "subcategory", "track"), cat_rows, list(Track),
        lambda k: category_key(k[0], k[1]), lambda k: k[2]), cat_rows, list(Track))
    raw["received_by_unit_channel"] = (_matrix(
        received_by("unit", "channel"), unit_rows, list(Channel), lambda k: str(k[0]),
        lambda k: k[1]), unit_rows, list(Channel))
    closed = counts.closed_with_days(session, period, CLOSED_DIMS, unit_id)
    outcome_rows = [*Outcome, "none"]
    raw["closed_by_outcome"] = (_matrix(
        counts.project(closed, CLOSED_DIMS_DAYS, ["outcome", "track"]), outcome_rows,
        list(Track), lambda k: k[0] or "none", lambda k: k[1]), outcome_rows, list(Track))
    measures = counts.project(closed, CLOSED_DIMS_DAYS, ["measure"])
    measure_rows = [*Measure]
    raw["measures"] = (_matrix(
        {k: v for k, v in measures.items() if k[0]}, measure_rows, ["count"],
        lambda k: k[0], lambda k: "count"), measure_rows, ["count"])
    # What reached a confidential counsellor: the advice track, and the
    # formal reports they passed on (escalation makes a case a report).
    vp_dims = ("unit", "escalated", "closed", "outcome")
    vp_cases = (received_by(*vp_dims, track=Track.ADVICE)
                + received_by(*vp_dims, track=Track.REPORT, escalated=True))
    raw["vp_signals_by_unit"] = (_matrix(
        vp_cases, unit_rows,
        list(VP_COLUMNS), lambda k: str(k[0]), lambda k: _vp_column(k[1], k[2], k[3])),
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

    report.tables = _protect_all(raw, threshold)
    _label_units(report, names)
    # Timeliness and days to close: formal reports only (a VP signal or an
    # advice case owes no feedback; a signal's dates are a conversation's
    # and its registration's).
    _timeliness(report, counts.timeliness(
        received_by("acknowledged", "feedback", track=Track.REPORT),
        counts.project(closed, CLOSED_DIMS_DAYS, ["days"], track=Track.REPORT)))
    return report


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
    forced: dict[str, set[tuple[int, int]]] = {name: set() for name in raw}
    # This year's row of the trend repeats the headline totals: hide those last.
    trend_rows = len(raw["trend_received"][1])
    avoid: dict[str, frozenset[tuple[int, int]]] = {name: frozenset() for name in raw}
    avoid["trend_received"] = frozenset((trend_rows - 1, j) for j in range(3))
    tables = {name: protect(m, threshold, rows, cols, name, avoid=avoid[name])
              for name, (m, rows, cols) in raw.items()}
    hidden = HIDDEN
    for _ in range(20):
        changed = False
        for name_a, cell_a, name_b, cell_b in _links(raw):
            ta, tb = tables[name_a], tables[name_b]
            if ta.grid[cell_a[0]][cell_a[1]] != tb.grid[cell_b[0]][cell_b[1]]:
                continue
            sa, sb = ta.status[cell_a[0]][cell_a[1]], tb.status[cell_b[0]][cell_b[1]]
            if sa in hidden and sb == SHOWN:
                forced[name_b].add(cell_b)
                changed = True
            elif sb in hidden and sa == SHOWN:
                forced[name_a].add(cell_a)
                changed = True
        if not changed:
            break
        tables = {name: protect(m, threshold, rows, cols, name, forced[name], avoid[name])
                  for name, (m, rows, cols) in raw.items()}
    return tables


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

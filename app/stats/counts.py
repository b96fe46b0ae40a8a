"""Counting cases for a year from clear metadata: the live cases and the
tallies that retention keeps of deleted ones. Never decrypts anything.

Definitions (also in every export):
- received in year Y: received (or registered) on a date in Y;
- closed (afgedaan) in year Y: closed on a date in Y;
- acknowledged in time: acknowledged on or before the acknowledgement deadline
  (7 days after receipt by default); cases whose deadline is still ahead and
  that are not yet acknowledged are left out;
- feedback in time: the first feedback after the acknowledgement (a handler's
  message or the decision) on or before the feedback deadline (3 months);
- days to close: calendar days from receipt to closure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app.models import Case, CaseTally, Unit

UNWANTED = "ongewenste_omgangsvormen"
UNCLASSIFIED = "unclassified"
TRACKS = ("advice", "report")
CHANNELS = ("anonymous", "confidential", "open")
OUTCOMES = ("advice_given", "referred", "withdrawn", "not_admissible", "unfounded",
            "not_established", "founded")
MEASURES = ("none", "warning", "reprimand", "transfer", "conditional_dismissal",
            "dismissal", "criminal_complaint", "organisational_measure")
VP_COLUMNS = ("escalated", "advice_given", "referred", "other_closed", "open")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))


def _case_dims() -> dict[str, ColumnElement]:
    return {
        "unit": Case.unit_id, "track": Case.track, "category": Case.category,
        "subcategory": Case.subcategory, "channel": Case.channel, "outcome": Case.outcome,
        "measure": Case.measure, "closed": Case.closed_at.is_not(None),
        "escalated": Case.escalated_at.is_not(None),
    }


def _tally_dims() -> dict[str, ColumnElement]:
    return {
        "unit": CaseTally.unit_id, "track": CaseTally.track, "category": CaseTally.category,
        "subcategory": CaseTally.subcategory, "channel": CaseTally.channel,
        "outcome": CaseTally.outcome, "measure": CaseTally.measure,
        "closed": CaseTally.closed_on.is_not(None), "escalated": CaseTally.escalated,
    }


def grouped(session: Session, dims: Iterable[str], by: str, period: Period,
            unit_id: int | None = None, track: str | None = None) -> Counter:
    """Counts per combination of `dims`, of cases received or closed in the
    period (`by` = "received" | "closed"), live cases and tallies together."""
    dims = list(dims)
    result: Counter = Counter()
    for model, columns, dates in (
        (Case, _case_dims(), {"received": Case.received_at, "closed": Case.closed_at}),
        (CaseTally, _tally_dims(),
         {"received": CaseTally.received_on, "closed": CaseTally.closed_on}),
    ):
        date = dates[by]
        selected = [columns[d] for d in dims]
        query = select(*selected, func.count()).select_from(model).where(
            date >= period.start, date < period.end)
        if unit_id is not None:
            query = query.where(columns["unit"] == unit_id)
        if track is not None:
            query = query.where(columns["track"] == track)
        if selected:
            query = query.group_by(*selected)
        for row in session.execute(query):
            result[tuple(bool(v) if d in ("closed", "escalated") else v
                         for d, v in zip(dims, row[:-1], strict=True))] += row[-1]
    return result


def category_key(category: str | None, subcategory: str | None) -> str:
    if not category:
        return UNCLASSIFIED
    if category == UNWANTED:
        return f"{UNWANTED}/{subcategory or 'overig'}"
    return category


@dataclass(frozen=True)
class Timeliness:
    received: int
    acknowledged_due: int
    acknowledged_in_time: int
    feedback_due: int
    feedback_in_time: int
    closed: int
    median_days_to_close: float | None
    p90_days_to_close: float | None


def _percentile(histogram: Counter, fraction: float) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    # Nearest-rank percentile: the smallest value with at least that share below it.
    rank = max(1, -(-int(fraction * total * 1000) // 1000))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram))


def _median(histogram: Counter) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    values = sorted(histogram.elements()) if total < 10_000 else None
    if values is not None:
        middle = total // 2
        return float(values[middle]) if total % 2 else (values[middle - 1] + values[middle]) / 2
    return _percentile(histogram, 0.5)


def timeliness(session: Session, period: Period, now: datetime,
               unit_id: int | None = None) -> Timeliness:
    unit_case = [] if unit_id is None else [Case.unit_id == unit_id]
    unit_tally = [] if unit_id is None else [CaseTally.unit_id == unit_id]
    in_period = and_(Case.received_at >= period.start, Case.received_at < period.end)
    tally_in_period = and_(CaseTally.received_on >= period.start,
                           CaseTally.received_on < period.end)

    def scalar(query) -> int:  # type: ignore[no-untyped-def]
        return int(session.scalar(query) or 0)

    received = scalar(select(func.count()).select_from(Case).where(in_period, *unit_case)) + \
        scalar(select(func.count()).select_from(CaseTally).where(tally_in_period, *unit_tally))
    ack_due_case = and_(in_period, or_(Case.acknowledged_at.is_not(None),
                                       Case.acknowledge_due_at < now), *unit_case)
    ack_due = scalar(select(func.count()).select_from(Case).where(ack_due_case)) + scalar(
        select(func.count()).select_from(CaseTally).where(
            tally_in_period, CaseTally.acknowledged_in_time.is_not(None), *unit_tally))
    ack_ok = scalar(select(func.count()).select_from(Case).where(
        ack_due_case, Case.acknowledged_at.is_not(None),
        Case.acknowledged_at <= Case.acknowledge_due_at)) + scalar(
        select(func.count()).select_from(CaseTally).where(
            tally_in_period, CaseTally.acknowledged_in_time.is_(True), *unit_tally))
    fb_due_case = and_(in_period, or_(Case.feedback_given_at.is_not(None),
                                      Case.feedback_due_at < now), *unit_case)
    fb_due = scalar(select(func.count()).select_from(Case).where(fb_due_case)) + scalar(
        select(func.count()).select_from(CaseTally).where(
            tally_in_period, CaseTally.feedback_in_time.is_not(None), *unit_tally))
    fb_ok = scalar(select(func.count()).select_from(Case).where(
        fb_due_case, Case.feedback_given_at.is_not(None),
        Case.feedback_given_at <= Case.feedback_due_at)) + scalar(
        select(func.count()).select_from(CaseTally).where(
            tally_in_period, CaseTally.feedback_in_time.is_(True), *unit_tally))

    days: Counter = Counter()
    for received_at, closed_at in session.execute(
        select(Case.received_at, Case.closed_at).where(
            Case.closed_at >= period.start, Case.closed_at < period.end, *unit_case)):
        days[(closed_at - received_at).days] += 1
    for value, count in session.execute(
        select(CaseTally.days_to_close, func.count()).where(
            CaseTally.closed_on >= period.start, CaseTally.closed_on < period.end,
            CaseTally.days_to_close.is_not(None), *unit_tally)
        .group_by(CaseTally.days_to_close)):
        days[int(value)] += count
    return Timeliness(
        received=received, acknowledged_due=ack_due, acknowledged_in_time=ack_ok,
        feedback_due=fb_due, feedback_in_time=fb_ok, closed=sum(days.values()),
        median_days_to_close=_median(days), p90_days_to_close=_percentile(days, 0.9),
    )


def unit_names(session: Session) -> dict[int, str]:
    return {u.id: u.name for u in session.scalars(select(Unit))}

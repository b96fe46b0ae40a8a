"""Counting cases for a year from clear metadata: the live cases and the
tallies that retention keeps of deleted ones. Never decrypts anything.

Definitions (also in every export):
- received in year Y: received (or registered) on a date in Y;
- closed (afgedaan) in year Y: closed on a date in Y;
- acknowledged in time: acknowledged on or before the acknowledgement deadline
  (7 days after receipt by default); cases whose deadline is still ahead and
  that are not yet acknowledged are left out;
- feedback in time: the feedback after the acknowledgement (a message the
  handler marked as the feedback, or the decision or closing communicated to
  the reporter with a text) on or before the feedback deadline (3 months); a
  question to the reporter is not feedback;
- days to close: calendar days from receipt to closure;
- dates and years are those of the organisation's calendar (its time zone,
  Europe/Amsterdam by default): a case closed at 23:30 on 31 December counts
  in that year, one received at 00:30 on 1 January in the next;
- the timeliness figures and the days to close count formal reports only
  (track "report", escalated advice cases included): not the advice track
  and not the signals a confidential counsellor registers;
- hearings held in year Y: hearings of a person concerned held on a date in
  Y whose minutes the person approved or who declined; never who;
- notices deferred in year Y: persons concerned whose informing stands
  deferred on a legal ground, deferred on a date in Y (informed later: no
  longer counted); never who.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    case,
    extract,
    false,
    func,
    null,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.cases.person_data import HEARING_HELD, NOTICE_DEFERRED
from app.localtime import calendar_days, day_stamp, start_of_day
from app.models import Case, CaseTally, Hearing, PersonConcerned, PersonEventTally, Unit
from app.vocabulary import HEARING_DONE, CloseReason, NoticeStatus

UNWANTED = "ongewenste_omgangsvormen"
UNCLASSIFIED = "unclassified"
VP_COLUMNS = ("escalated", "advice_given", "referred", "other_closed", "open")


@dataclass(frozen=True)
class Period:
    """Days on the organisation's calendar, from `first` up to (not
    including) `stop`. A live case's instants are compared with the UTC
    instants at which those local days begin (`start`, `end`); a tally
    stores the local date itself, at 00:00 UTC (`tally_start`, `tally_end`;
    app/retention/sweep.py), so a case counts in the same year before and
    after retention turns it into a tally."""

    first: date
    stop: date
    zone: ZoneInfo

    @classmethod
    def year(cls, year: int, zone: ZoneInfo) -> Period:
        return cls(date(year, 1, 1), date(year + 1, 1, 1), zone)

    @classmethod
    def years(cls, first: int, stop: int, zone: ZoneInfo) -> Period:
        """The calendar years `first` up to (not including) `stop`."""
        return cls(date(first, 1, 1), date(stop, 1, 1), zone)

    @property
    def start(self) -> datetime:
        return start_of_day(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return start_of_day(self.stop, self.zone)

    @property
    def tally_start(self) -> datetime:
        return day_stamp(self.first)

    @property
    def tally_end(self) -> datetime:
        return day_stamp(self.stop)

    def local_year(self, moment: SQLColumnExpression[Any]) -> ColumnElement:
        """The local calendar year of an instant column, for the instants
        in the period (the same SQL on every database)."""
        years = range(self.first.year, self.stop.year + 1)
        return case(*((moment < start_of_day(date(y + 1, 1, 1), self.zone), y) for y in years),
                    else_=null())


def _timeliness_state(done: SQLColumnExpression[Any], due: SQLColumnExpression[Any],
                      now: datetime) -> ColumnElement:
    """None while the deadline is ahead and the step not taken, else whether
    it was taken in time (what a tally stores, see app/retention/sweep.py)."""
    return case((done.is_not(None), done <= due), (due < now, false()), else_=null())


def _case_dims(now: datetime | None = None) -> dict[str, SQLColumnExpression[Any]]:
    dims: dict[str, SQLColumnExpression[Any]] = {
        "unit": Case.unit_id, "track": Case.track, "category": Case.category,
        "subcategory": Case.subcategory, "channel": Case.channel, "outcome": Case.outcome,
        "measure": Case.measure, "closed": Case.closed_at.is_not(None),
        "escalated": Case.escalated_at.is_not(None),
        # The VP annual report (app/stats/vp_report.py).
        "counsellor": Case.counsellor_id, "referred_to": Case.referred_to,
        "signal": Case.close_reason == CloseReason.SIGNAL,
    }
    if now is not None:
        dims["acknowledged"] = _timeliness_state(Case.acknowledged_at, Case.acknowledge_due_at,
                                                 now)
        dims["feedback"] = _timeliness_state(Case.feedback_given_at, Case.feedback_due_at, now)
    return dims


def _tally_dims() -> dict[str, SQLColumnExpression[Any]]:
    # Plain columns, all in the covering indexes of case_tally (see the model).
    return {
        "unit": CaseTally.unit_id, "track": CaseTally.track, "category": CaseTally.category,
        "subcategory": CaseTally.subcategory, "channel": CaseTally.channel,
        "outcome": CaseTally.outcome, "measure": CaseTally.measure,
        "closed": CaseTally.closed_on.is_not(None), "escalated": CaseTally.escalated,
        "acknowledged": CaseTally.acknowledged_in_time, "feedback": CaseTally.feedback_in_time,
        # Not in those indexes: the VP annual report reads these too.
        "counsellor": CaseTally.counsellor_id, "referred_to": CaseTally.referred_to,
        "signal": CaseTally.close_reason == CloseReason.SIGNAL,
    }


def _maybe_bool(value: object) -> bool | None:
    return None if value is None else bool(value)


# How a dimension's database value becomes its key (others are kept as they are).
_CONVERT: dict[str, Callable[[Any], object]] = {
    "closed": bool, "escalated": bool, "acknowledged": _maybe_bool,
    "feedback": _maybe_bool, "year": int, "signal": bool}


def _keyer(dims: Sequence[str]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function from a result row's leading values to the counter key."""
    converters = [(i, _CONVERT[d]) for i, d in enumerate(dims) if d in _CONVERT]
    width = len(dims)

    def make(values: Sequence[Any]) -> tuple[Any, ...]:
        out = list(values[:width])
        for i, convert in converters:
            out[i] = convert(out[i])
        return tuple(out)

    return make


def _room_to_aggregate(session: Session) -> None:
    """PostgreSQL estimates the groups of many columns as the product of
    their distinct values (tens of thousands where there are a few thousand)
    and, with the default work_mem, sorts 100,000 rows on disk instead of
    hashing them: give this transaction's aggregates room."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '32MB'"))


def grouped(session: Session, dims: Iterable[str], by: str, period: Period,
            unit_id: int | None = None, track: str | None = None,
            now: datetime | None = None) -> Counter:
    """Counts per combination of `dims`, of cases received or closed in the
    period (`by` = "received" | "closed"), live cases and tallies together:
    one grouped query per table. "year" is the year of the `by` date;
    "acknowledged" and "feedback" (None: not due yet, else in time or not)
    need `now`."""
    dims = list(dims)
    key = _keyer(dims)
    result: Counter = Counter()
    _room_to_aggregate(session)
    case_date = {"received": Case.received_at, "closed": Case.closed_at}[by]
    tally_date = {"received": CaseTally.received_on, "closed": CaseTally.closed_on}[by]
    for model, columns, moment, start, end in (
        (Case, {**_case_dims(now), "year": period.local_year(case_date)}, case_date,
         period.start, period.end),
        (CaseTally, {**_tally_dims(), "year": extract("year", tally_date)}, tally_date,
         period.tally_start, period.tally_end),
    ):
        selected = [columns[d] for d in dims]
        query = select(*selected, func.count()).select_from(model).where(
            moment >= start, moment < end)
        if unit_id is not None:
            query = query.where(columns["unit"] == unit_id)
        if track is not None:
            query = query.where(columns["track"] == track)
        if selected:
            query = query.group_by(*selected)
        for row in session.execute(query):
            result[key(row)] += row[-1]
    return result


def project(counter: Counter, dims: Sequence[str], wanted: Sequence[str],
            **equal: object) -> Counter:
    """Sum a `grouped` result over the dimensions not `wanted`, keeping only
    the keys whose dimensions in `equal` have those values."""
    pick = itemgetter(*(dims.index(d) for d in wanted), 0)  # always a tuple
    where = [(dims.index(d), v) for d, v in equal.items()]
    result: Counter = Counter()
    for key, value in counter.items():
        if all(key[i] == v for i, v in where):
            result[pick(key)[:-1]] += value
    return result


def closed_with_days(session: Session, period: Period, dims: Sequence[str],
                  unit_id: int | None = None) -> Counter:
    """Cases closed in the period per `dims` + (days to close,): one query
    per table. Live cases are few (retention turns old ones into tallies),
    so their days are counted here rather than in dialect-specific SQL."""
    result: Counter = Counter()
    key = _keyer(dims)
    _room_to_aggregate(session)
    case_columns = _case_dims()
    query = select(*(case_columns[d] for d in dims), Case.received_at, Case.closed_at).where(
        Case.closed_at >= period.start, Case.closed_at < period.end)
    if unit_id is not None:
        query = query.where(Case.unit_id == unit_id)
    for row in session.execute(query):
        result[(*key(row), calendar_days(row[-2], row[-1], period.zone))] += 1
    tally_columns = [_tally_dims()[d] for d in dims]
    query = select(*tally_columns, CaseTally.days_to_close, func.count()).where(
        CaseTally.closed_on >= period.tally_start, CaseTally.closed_on < period.tally_end)
    if unit_id is not None:
        query = query.where(CaseTally.unit_id == unit_id)
    query = query.group_by(*tally_columns, CaseTally.days_to_close)
    for row in session.execute(query):
        days = None if row[-2] is None else int(row[-2])
        result[(*key(row), days)] += row[-1]
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


def timeliness(received: Counter, closed_days: Counter) -> Timeliness:
    """From `grouped(["acknowledged", "feedback"], "received", ...)` and the
    days histogram of `closed_with_days(..., [])` (keys (days,); None: unknown,
    a tally without closing days, left out)."""
    days: Counter = Counter()
    for (value,), count in closed_days.items():
        if value is not None:
            days[value] += count
    return Timeliness(
        received=sum(received.values()),
        acknowledged_due=sum(n for (ack, _), n in received.items() if ack is not None),
        acknowledged_in_time=sum(n for (ack, _), n in received.items() if ack is True),
        feedback_due=sum(n for (_, fb), n in received.items() if fb is not None),
        feedback_in_time=sum(n for (_, fb), n in received.items() if fb is True),
        closed=sum(days.values()),
        median_days_to_close=_median(days), p90_days_to_close=_percentile(days, 0.9),
    )


def unit_names(session: Session) -> dict[int, str]:
    return {u.id: u.name for u in session.scalars(select(Unit))}


def person_events(session: Session, period: Period, unit_id: int | None = None) -> Counter:
    """Hearings held and notices deferred in the period, keyed (kind, code):
    (HEARING_HELD, approved | declined) and (NOTICE_DEFERRED, ground) — of
    live cases and from the tallies their deleted persons left (one query
    each). Counts only: no case, no person, no name."""
    result: Counter = Counter()
    hearings = (select(Hearing.status, func.count()).join(Case, Case.id == Hearing.case_id)
                .where(Hearing.status.in_(HEARING_DONE), Hearing.held_on >= period.first,
                       Hearing.held_on < period.stop))
    deferred = (select(PersonConcerned.deferral_ground, func.count())
                .join(Case, Case.id == PersonConcerned.case_id)
                .where(PersonConcerned.notice_status == NoticeStatus.DEFERRED,
                       PersonConcerned.deferral_ground.is_not(None),
                       PersonConcerned.notice_decided_at >= period.start,
                       PersonConcerned.notice_decided_at < period.end))
    tallied = (select(PersonEventTally.kind, PersonEventTally.code, func.count())
               .where(PersonEventTally.on_day >= period.tally_start,
                      PersonEventTally.on_day < period.tally_end))
    if unit_id is not None:
        hearings = hearings.where(Case.unit_id == unit_id)
        deferred = deferred.where(Case.unit_id == unit_id)
        tallied = tallied.where(PersonEventTally.unit_id == unit_id)
    for status, n in session.execute(hearings.group_by(Hearing.status)):
        result[(HEARING_HELD, str(status))] += n
    for ground, n in session.execute(deferred.group_by(PersonConcerned.deferral_ground)):
        result[(NOTICE_DEFERRED, str(ground))] += n
    for kind, code, n in session.execute(
            tallied.group_by(PersonEventTally.kind, PersonEventTally.code)):
        result[(kind, code)] += n
    return result

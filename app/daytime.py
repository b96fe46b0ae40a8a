"""Reporter-driven times, kept no finer than the day (DESIGN.md, key custody 7).

The moment a reporter sends a report, opens the mailbox, writes, gives or
withdraws consent or approves minutes can be joined with the employer's
proxy logs, which see who visited Meldpunt at what second. So whatever a
reporter's action writes keeps only the day: the start of the local day of
the organisation's time zone (app/localtime.py), so that dates, deadlines
and yearly counts come out as they did with the exact time.

A domain function that acts for the reporter runs inside `reporter_driven`
(or is decorated with `reporter_action`): while it runs, every datetime the
session flushes — a new row's own columns and their defaults, a changed
column — is cut to the start of its local day, whichever module wrote it
(custody's wraps, the consent rows, messages, files, minutes). The audit
log cuts its own entries (app/audit/log.py). Two kinds of column keep what
they are given and say so with `EXACT` in their info: deadlines (the end of a
local day, computed from the day of receipt) and the mailbox throttle's
minute (it exists for a minute, about nobody).

Not covered, by design: bulk `update()` statements do not pass the flush;
the one a reporter's action runs (minutes, app/cases/minutes.py) cuts its
value itself. The order of rows within a day is still in their ids and the
audit log's sequence numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.localtime import day_start
from app.models.base import EXACT, UTCDateTime, utcnow

_KEY = "meldpunt.reporter_driven"

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def reporter_driven(session: Session, zone: ZoneInfo) -> Iterator[None]:
    """While the block runs, every time the session writes is cut to its day."""
    previous = session.info.get(_KEY)
    session.info[_KEY] = zone
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(_KEY, None)
        else:
            session.info[_KEY] = previous


def reporter_zone(session: Session) -> ZoneInfo | None:
    """The zone whose days the session's writes are cut to, or None when the
    session does not act for a reporter."""
    zone = session.info.get(_KEY)
    return zone if isinstance(zone, ZoneInfo) else None


def reporter_action(func: Callable[Concatenate[Session, Any, P], R]
                    ) -> Callable[Concatenate[Session, Any, P], R]:
    """Mark a domain function `(session, rt, ...)` that acts for the reporter."""

    @wraps(func)
    def run(session: Session, rt: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with reporter_driven(session, rt.settings.zone):
            return func(session, rt, *args, **kwargs)

    return run


def reporter_today(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    """What a reporter's action records as "now": the start of today."""
    return day_start(now or utcnow(), zone)


def _time_columns(mapper: Any) -> Iterator[tuple[str, Any]]:
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if isinstance(column.type, UTCDateTime) and not (
                EXACT.items() <= column.info.items()):
            yield attr.key, column


@event.listens_for(Session, "before_flush")
def _cut_to_the_day(session: Session, _context: UOWTransaction, _instances: object) -> None:
    zone = reporter_zone(session)
    if zone is None:
        return
    for obj in session.new:
        for key, column in _time_columns(inspect(obj).mapper):
            value = getattr(obj, key)
            if value is None and column.default is not None:
                value = utcnow()  # what the column's default would write
            if value is not None:
                setattr(obj, key, day_start(value, zone))
    for obj in session.dirty:
        state = inspect(obj)
        for key, _column in _time_columns(state.mapper):
            value = getattr(obj, key)
            if state.attrs[key].history.added and value is not None:
                setattr(obj, key, day_start(value, zone))

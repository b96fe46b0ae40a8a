"""Legal deadlines (Directive 2019/1937 art. 9, Wbk): acknowledge within 7 days
of receipt; feedback within 3 months of the acknowledgement, or of day 7 when
none was sent. Both configurable per organisation.

Deadlines are days on the organisation's local calendar (`Settings.timezone`,
app/localtime.py), as a Dutch reader counts them: a report received on
Monday 14:24 (or 23:30) must be acknowledged by the end of next Monday, local
time; the feedback is due by the end of the same day of the month, 3 months
after the day of the acknowledgement (or after day 7), a day the month lacks
becoming its last day (30 Nov + 3 months = 28 or 29 Feb). "By the end of the
day" is the last moment of that local day, so a step taken at 23:59 is in
time, and the deadline keeps its date across a change of daylight saving.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app import localtime
from app.config import Settings


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` later in the moment's own time zone
    (pass a local time to count on the local calendar); a day the target
    month lacks becomes its last day."""
    day = localtime.add_months(moment.date(), months)
    shifted = moment.replace(year=day.year, month=day.month, day=day.day)
    if shifted.tzinfo is None:
        return shifted
    # Through UTC: a wall time that falls in the gap of a change to daylight
    # saving time becomes a real one.
    return shifted.astimezone(UTC).astimezone(shifted.tzinfo)


def acknowledge_due_on(received_at: datetime, settings: Settings) -> date:
    """The local date by the end of which the acknowledgement is due."""
    return localtime.local_date(received_at, settings.zone) + timedelta(
        days=settings.acknowledge_days)


def acknowledge_due(received_at: datetime, settings: Settings) -> datetime:
    return localtime.end_of_day(acknowledge_due_on(received_at, settings), settings.zone)


def feedback_due(received_at: datetime, acknowledged_at: datetime | None,
                 settings: Settings) -> datetime:
    basis = (localtime.local_date(acknowledged_at, settings.zone) if acknowledged_at
             else acknowledge_due_on(received_at, settings))
    return localtime.end_of_day(localtime.add_months(basis, settings.feedback_months),
                                settings.zone)

"""The organisation's calendar: dates, days and years in its time zone.

Instants are stored in UTC (app/models/base.py refuses naive datetimes);
whatever a person calls "a day" — a deadline, the date of a meeting, a year
of statistics — is a day on the local calendar of the organisation's zone
(`Settings.timezone`, `Europe/Amsterdam` by default, daylight saving
included). These helpers turn one into the other; nothing else in the code
does its own arithmetic on local time.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The last moment the database keeps of a day (PostgreSQL timestamps and
# SQLite's ISO text both hold microseconds).
_TICK = timedelta(microseconds=1)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date of an instant in the zone."""
    return moment.astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the local day begins (00:00 local; a day of
    23 or 25 hours when the clocks change)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of the last moment of the local day (23:59:59.999999
    local): a deadline "by that day" is met up to and including it."""
    return start_of_day(day + timedelta(days=1), zone) - _TICK


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar year in the zone as UTC instants [start, end)."""
    return start_of_day(date(year, 1, 1), zone), start_of_day(date(year + 1, 1, 1), zone)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier); a day the
    target month lacks becomes its last day (31 Jan + 1 month = 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def day_stamp(day: date) -> datetime:
    """A calendar date stored in a datetime column that holds dates only
    (the retention tallies): 00:00 UTC of that date, whatever the zone."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def calendar_days(start: datetime, end: datetime, zone: ZoneInfo) -> int:
    """Calendar days between two instants on the local calendar."""
    return (local_date(end, zone) - local_date(start, zone)).days


def day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The instant cut to the start of its local day: what is kept of a
    reporter-driven time (app/daytime.py), which says the day and nothing
    finer."""
    return start_of_day(local_date(moment, zone), zone)


def is_day_start(moment: datetime, zone: ZoneInfo) -> bool:
    """True for an instant that is exactly the start of a local day, as
    every reporter-driven time is stored."""
    return moment == day_start(moment, zone)

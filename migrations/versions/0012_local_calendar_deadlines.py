"""deadlines of open cases on the organisation's local calendar

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00

Issue #17, defect 3 ("Everything is UTC"): deadlines are now days on the
local calendar of the organisation's time zone (MELDPUNT_TIMEZONE, default
Europe/Amsterdam): acknowledgement by the end of the local day
MELDPUNT_ACKNOWLEDGE_DAYS (7) days after the local day of receipt; feedback
by the end of the local day MELDPUNT_FEEDBACK_MONTHS (3) months after the
local day of the acknowledgement, or of the acknowledgement deadline when
none was sent (app/cases/deadlines.py). This recomputes both deadlines of
every OPEN case from its receipt and acknowledgement, read with the same
settings as the app; run it with the environment the app runs with.

What is left as it was, and why:
- closed cases keep the deadlines they had: they are history, and the
  timeliness figures of years already published must not move;
- the retention tallies of cases already shredded keep their dates
  (received_on, acknowledged_on, closed_on) and days_to_close. They were
  cut to the UTC date and the time of day is gone, so they can not be
  corrected exactly: a case received, acknowledged or closed between local
  midnight and 01:00 (02:00 in summer) Amsterdam time keeps the day before,
  and its days_to_close may be one day off. Only at New Year can that move
  a count into another year. New tallies store the local date.

The downgrade recomputes the open cases' deadlines the old way (UTC: the
moment of receipt plus 7 days; that moment or the acknowledgement plus 3
months), exactly what the code before this revision wrote.
"""

import calendar
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The deadline columns as this revision finds them (naive UTC timestamps).
case_file = sa.table(
    "case_file",
    sa.column("id", sa.Integer()),
    sa.column("state", sa.String()),
    sa.column("received_at", sa.DateTime()),
    sa.column("acknowledged_at", sa.DateTime()),
    sa.column("acknowledge_due_at", sa.DateTime()),
    sa.column("feedback_due_at", sa.DateTime()),
)


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _end_of_day(day: date, zone: ZoneInfo) -> datetime:
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return next_midnight.astimezone(UTC) - timedelta(microseconds=1)


def _local(received: datetime, acknowledged: datetime | None) -> tuple[datetime, datetime]:
    zone = ZoneInfo(_setting("MELDPUNT_TIMEZONE", "Europe/Amsterdam"))
    days = int(_setting("MELDPUNT_ACKNOWLEDGE_DAYS", "7"))
    months = int(_setting("MELDPUNT_FEEDBACK_MONTHS", "3"))
    ack_day = _utc(received).astimezone(zone).date() + timedelta(days=days)
    basis = _utc(acknowledged).astimezone(zone).date() if acknowledged else ack_day
    return _end_of_day(ack_day, zone), _end_of_day(_add_months(basis, months), zone)


def _old_utc(received: datetime, acknowledged: datetime | None) -> tuple[datetime, datetime]:
    days = int(_setting("MELDPUNT_ACKNOWLEDGE_DAYS", "7"))
    months = int(_setting("MELDPUNT_FEEDBACK_MONTHS", "3"))
    ack_due = _utc(received) + timedelta(days=days)
    basis = _utc(acknowledged) if acknowledged else ack_due
    day = _add_months(basis.date(), months)
    return ack_due, basis.replace(year=day.year, month=day.month, day=day.day)


def _recompute(deadlines) -> None:  # type: ignore[no-untyped-def]
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(case_file.c.id, case_file.c.received_at, case_file.c.acknowledged_at)
        .where(case_file.c.state != "closed")
    ).all()
    updates = []
    for case_id, received, acknowledged in rows:
        ack_due, feedback_due = deadlines(received, acknowledged)
        updates.append({"case_id": case_id, "ack_due": _naive(ack_due),
                        "feedback_due": _naive(feedback_due)})
    if updates:
        conn.execute(
            case_file.update().where(case_file.c.id == sa.bindparam("case_id"))
            .values(acknowledge_due_at=sa.bindparam("ack_due"),
                    feedback_due_at=sa.bindparam("feedback_due")),
            updates,
        )


def upgrade() -> None:
    _recompute(_local)


def downgrade() -> None:
    _recompute(_old_utc)

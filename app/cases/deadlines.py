"""Legal deadlines (Directive 2019/1937 art. 9, Wbk): acknowledge within 7 days
of receipt; feedback within 3 months of the acknowledgement, or of day 7 when
none was sent. Both configurable per organisation."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from app.config import Settings


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def acknowledge_due(received_at: datetime, settings: Settings) -> datetime:
    return received_at + timedelta(days=settings.acknowledge_days)


def feedback_due(received_at: datetime, acknowledged_at: datetime | None,
                 settings: Settings) -> datetime:
    basis = acknowledged_at or acknowledge_due(received_at, settings)
    return add_months(basis, settings.feedback_months)

"""Retention: configurable periods, and the anonymised tallies that outlive
deleted cases so that annual statistics do not change when cases go."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class RetentionRule(Base):
    """An admin's override of the default retention period for a track and
    outcome ("*" matches any outcome)."""

    __tablename__ = "retention_rule"
    __table_args__ = (UniqueConstraint("track", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40))
    months: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetentionChange(Base):
    """A change of a retention period. Longer periods apply at once; a
    shorter one waits for a second person (the ICC or another admin) and,
    once approved, applies only to cases closed after `effective_from`
    (app/retention/policy.py). Kept as the history the sweep reads."""

    __tablename__ = "retention_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    track: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40))
    months: Mapped[int]
    previous_months: Mapped[int]
    # pending, applied (a longer period), approved or rejected
    status: Mapped[str] = mapped_column(String(10))
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    effective_from: Mapped[datetime | None]


RECEIVED_INDEX = ("received_on", "unit_id", "track", "category", "subcategory", "channel",
                  "escalated", "closed_on", "outcome", "acknowledged_in_time", "feedback_in_time")
CLOSED_INDEX = ("closed_on", "unit_id", "outcome", "track", "measure", "days_to_close")


class CaseTally(Base):
    """What statistics need of a case that retention deleted: clear metadata
    only, no case number, no link to the deleted row."""

    __tablename__ = "case_tally"
    # Covering indexes: the year statistics (app/stats) read only these
    # columns, so a year is an index-only range scan instead of a visit to
    # every table page that holds one of its tallies (migration 0009).
    __table_args__ = (
        Index("ix_case_tally_received", *RECEIVED_INDEX),
        Index("ix_case_tally_closed", *CLOSED_INDEX),
        Index("ix_case_tally_counsellor", "counsellor_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None]
    track: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(60))
    subcategory: Mapped[str | None] = mapped_column(String(60))
    typology_version: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    intake_channel: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(40))
    measure: Mapped[str | None] = mapped_column(String(40))
    close_reason: Mapped[str | None] = mapped_column(String(40))
    # Dates only: the time of day adds nothing to a yearly count.
    received_on: Mapped[datetime]
    acknowledged_on: Mapped[datetime | None]
    closed_on: Mapped[datetime | None]
    acknowledged_in_time: Mapped[bool | None]
    feedback_in_time: Mapped[bool | None]
    escalated: Mapped[bool] = mapped_column(default=False, server_default=false())
    # For the VP annual report: who counselled (a user id, no link kept, as
    # unit_id) and where the case or signal was referred to.
    counsellor_id: Mapped[int | None]
    referred_to: Mapped[str | None] = mapped_column(String(40))
    days_to_close: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonEventTally(Base):
    """What statistics need of a hearing held or a notice deferred when the
    persons concerned of a case are deleted (retention, or a shred that keeps
    the case row): the kind, the day on the organisation's calendar, how the
    hearing ended or on which ground informing was deferred, and the unit.
    One row per event, since a case's hearings and deferrals fall in years of
    their own; no case, no person, never a name (app/cases/person_data.py)."""

    __tablename__ = "person_event_tally"
    __table_args__ = (Index("ix_person_event_tally_day", "on_day", "kind", "code", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "hearing" (code: approved, declined) or "notice_deferred" (code: the
    # legal ground), as app/stats/counts.py counts them.
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    # A date, stored as case_tally stores one (00:00 UTC of the local date).
    on_day: Mapped[datetime]
    unit_id: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

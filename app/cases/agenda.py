"""The staff start page: what a handler has to do today, over the cases
they hold and that are theirs to act on (queues.mine): acknowledgements and
feedback overdue or due within a week, reporters' replies and requests for a
meeting not yet answered, consents received, minutes the reporter corrected
or has not yet approved.

Counted from clear metadata only — deadlines, Case.last_author_kind, the
consent dates, the minutes' status and the kinds and days of the reporter's
events (app/models/notify.py) — so no key is opened to build the page.
Each item is a count and the first few case numbers; the queue has the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, aliased

from app.cases.queues import DUE_SOON_DAYS, mine, visible_to
from app.models import Case, MeetingMinutes, Message, ReporterEvent, User, utcnow
from app.vocabulary import AuthorKind, ReporterEventKind, State, Track

SHOWN = 10


class AgendaItem(StrEnum):
    """One kind of thing to do, in the order the start page lists them."""

    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue"
    FEEDBACK_OVERDUE = "feedback_overdue"
    ACKNOWLEDGE_DUE = "acknowledge_due"
    FEEDBACK_DUE = "feedback_due"
    MEETING_REQUESTED = "meeting_requested"
    REPORTER_REPLIED = "reporter_replied"
    CONSENT_GIVEN = "consent_given"
    MINUTES_CORRECTED = "minutes_corrected"
    MINUTES_AWAITING = "minutes_awaiting"


@dataclass(frozen=True)
class AgendaCase:
    number: str
    # The deadline, or the day the reporter acted or the minutes were sent.
    when: datetime | date | None


@dataclass(frozen=True)
class AgendaSection:
    item: AgendaItem
    total: int
    cases: list[AgendaCase]


@dataclass(frozen=True)
class Agenda:
    sections: list[AgendaSection]

    @property
    def empty(self) -> bool:
        return not self.sections

    def total(self, item: AgendaItem) -> int:
        return next((s.total for s in self.sections if s.item is item), 0)

    def numbers(self, item: AgendaItem) -> list[str]:
        return next(([c.number for c in s.cases] for s in self.sections if s.item is item), [])


def meeting_pending() -> ColumnElement[bool]:
    """The reporter asked for a meeting and no handler has written to them
    since (a staff message with a higher id than the request's)."""
    request = aliased(ReporterEvent)
    answer = select(Message.id).where(
        Message.case_id == Case.id, Message.author_kind == AuthorKind.STAFF,
        Message.id > request.message_id).correlate(Case, request).exists()
    return select(request.id).where(
        request.case_id == Case.id, request.kind == ReporterEventKind.MEETING,
        request.message_id.is_not(None), ~answer).exists()


def _last_event_on(*kinds: ReporterEventKind) -> Any:
    return (select(func.max(ReporterEvent.happened_on))
            .where(ReporterEvent.case_id == Case.id, ReporterEvent.kind.in_(kinds))
            .scalar_subquery())


def _minutes(status: str) -> ColumnElement[bool]:
    return Case.id.in_(select(MeetingMinutes.case_id).where(MeetingMinutes.status == status))


def _minutes_on(status: str, column: Any) -> Any:
    return (select(func.min(column))
            .where(MeetingMinutes.case_id == Case.id, MeetingMinutes.status == status)
            .scalar_subquery())


def _conditions(now: datetime) -> list[tuple[AgendaItem, ColumnElement[bool], Any]]:
    """Each item: which of the user's open cases it lists, and the date shown
    (also the order: oldest or most urgent first)."""
    soon = now + timedelta(days=DUE_SOON_DAYS)
    ack_pending = Case.acknowledged_at.is_(None)
    feedback_pending = Case.feedback_given_at.is_(None)
    return [
        (AgendaItem.ACKNOWLEDGE_OVERDUE,
         and_(ack_pending, Case.acknowledge_due_at < now), Case.acknowledge_due_at),
        (AgendaItem.FEEDBACK_OVERDUE,
         and_(feedback_pending, Case.feedback_due_at < now), Case.feedback_due_at),
        # Every acknowledgement not yet sent is due within the legal week.
        (AgendaItem.ACKNOWLEDGE_DUE, and_(ack_pending, Case.acknowledge_due_at >= now),
         Case.acknowledge_due_at),
        (AgendaItem.FEEDBACK_DUE,
         and_(feedback_pending, Case.feedback_due_at >= now, Case.feedback_due_at < soon),
         Case.feedback_due_at),
        (AgendaItem.MEETING_REQUESTED, meeting_pending(),
         _last_event_on(ReporterEventKind.MEETING)),
        # A request for a meeting is a reply too; it is listed once, as the request.
        (AgendaItem.REPORTER_REPLIED,
         and_(Case.last_author_kind == AuthorKind.REPORTER, ~meeting_pending()),
         _last_event_on(ReporterEventKind.REPLY, ReporterEventKind.MEETING)),
        # Consent to pass the case on, while it is still with the counsellor.
        (AgendaItem.CONSENT_GIVEN,
         and_(Case.track == Track.ADVICE, Case.consent_given_at.is_not(None)),
         Case.consent_given_at),
        (AgendaItem.MINUTES_CORRECTED, _minutes("corrections_received"),
         _minutes_on("corrections_received", MeetingMinutes.decided_at)),
        (AgendaItem.MINUTES_AWAITING, _minutes("awaiting_reporter"),
         _minutes_on("awaiting_reporter", MeetingMinutes.sent_at)),
    ]


def agenda(session: Session, user: User, now: datetime | None = None) -> Agenda:
    """What `user` has to do: only the cases they hold, at a stage of their
    roles (a case passed on is no longer on it), not restricted, not closed."""
    now = now or utcnow()
    base = and_(visible_to(user), mine(user), Case.state != State.CLOSED)
    sections = []
    for item, condition, when in _conditions(now):
        total = session.scalar(select(func.count(Case.id)).where(base, condition)) or 0
        if not total:
            continue
        rows = session.execute(
            select(Case.number, when.label("when")).where(base, condition)
            .order_by(when.asc(), Case.id.asc()).limit(SHOWN)
        ).all()
        sections.append(AgendaSection(item=item, total=total,
                                      cases=[AgendaCase(number, at) for number, at in rows]))
    return Agenda(sections=sections)

"""The staff start page: what a handler has to do today, over the cases
they hold and that are theirs to act on (queues.mine): acknowledgements and
feedback overdue or due within a week, reporters' replies and requests for a
meeting not yet answered, consents received, minutes the reporter corrected
or has not yet approved; and, for persons concerned (app/cases/persons.py,
subject_requests.py), deferred notices whose review day is near or past and
data-subject requests not yet decided, also on closed cases.

Counted from clear metadata only — deadlines, Case.last_author_kind, the
consent dates, the minutes' status, the kinds and days of the reporter's
events (app/models/notify.py), review days and request deadlines — so no key
is opened to build the page.
Each item is a count and the first few case numbers; the queue has the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.cases.queues import DUE_SOON_DAYS, mine, visible_to
from app.localtime import local_date
from app.models import (
    Case,
    KeyWrap,
    MeetingMinutes,
    Message,
    PersonConcerned,
    ReporterEvent,
    SubjectRequest,
    User,
    utcnow,
)
from app.vocabulary import AuthorKind, NoticeStatus, ReporterEventKind, State, Track

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
    NOTICE_REVIEW = "notice_review"
    SUBJECT_REQUEST = "subject_request"


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


def _duties(today: date) -> list[tuple[AgendaItem, ColumnElement[bool], Any]]:
    """What is owed to persons concerned: a deferred notice to review within
    a week (or overdue), a data-subject request not yet decided (by its
    one-month deadline)."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    review = and_(PersonConcerned.case_id == Case.id,
                  PersonConcerned.notice_status == NoticeStatus.DEFERRED)
    request = and_(SubjectRequest.case_id == Case.id, SubjectRequest.decided_on.is_(None))
    return [
        (AgendaItem.NOTICE_REVIEW,
         select(PersonConcerned.id).where(review, PersonConcerned.review_on <= soon).exists(),
         select(func.min(PersonConcerned.review_on)).where(review).scalar_subquery()),
        (AgendaItem.SUBJECT_REQUEST, select(SubjectRequest.id).where(request).exists(),
         select(func.min(SubjectRequest.due_on)).where(request).scalar_subquery()),
    ]


def agenda(session: Session, user: User, now: datetime | None = None,
           zone: ZoneInfo | None = None) -> Agenda:
    """What `user` has to do: only the cases they hold, at a stage of their
    roles (a case passed on is no longer on it), not restricted, not closed.
    What is owed to persons concerned stays on it after closing. `zone`:
    the organisation's, for the day review dates are compared with."""
    now = now or utcnow()
    base = and_(visible_to(user), mine(user), Case.state != State.CLOSED)
    held = Case.id.in_(select(KeyWrap.case_id).where(KeyWrap.user_id == user.id))
    duty_base = and_(visible_to(user), or_(mine(user), and_(held, Case.state == State.CLOSED)))
    today = local_date(now, zone) if zone is not None else now.date()
    items = [(item, base, condition, when) for item, condition, when in _conditions(now)]
    items += [(item, duty_base, condition, when) for item, condition, when in _duties(today)]
    sections = []
    for item, cases, condition, when in items:
        total = session.scalar(select(func.count(Case.id)).where(cases, condition)) or 0
        if not total:
            continue
        rows = session.execute(
            select(Case.number, when.label("when")).where(cases, condition)
            .order_by(when.asc(), Case.id.asc()).limit(SHOWN)
        ).all()
        sections.append(AgendaSection(item=item, total=total,
                                      cases=[AgendaCase(number, at) for number, at in rows]))
    return Agenda(sections=sections)

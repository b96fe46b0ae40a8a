"""Content-free notifications to handlers of what the reporter did: replied,
asked for a meeting, gave or withdrew consent, approved or corrected minutes.

The reporter's action calls `reporter_event` in its own transaction: it
writes the event (kind and day, app/models/notify.py) and one outbox row
per holder who is to hear of it. Nothing is sent there, so a mail server
that is slow or down never slows or breaks the reporter's action; `meldpunt
notify send` (run every few minutes by the scheduler) sends the outbox.

An e-mail names the case number and links to the case; never the content,
the category, the unit or what kind of thing the reporter wrote.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.queues import stages_of
from app.localtime import local_date
from app.models import (
    Case,
    CaseRestriction,
    KeyWrap,
    Message,
    Notification,
    ReporterEvent,
    User,
    utcnow,
)
from app.runtime import Runtime
from app.vocabulary import AuditAction, AuthorKind, ReporterEventKind

# A message from the mailbox is a reply or a request for a meeting.
EVENT_OF_ACTION = {
    AuditAction.MAILBOX_MESSAGE_SENT: ReporterEventKind.REPLY,
    AuditAction.MAILBOX_MEETING_REQUESTED: ReporterEventKind.MEETING,
}
# The events that carry a message of the reporter.
_WITH_MESSAGE = (ReporterEventKind.REPLY, ReporterEventKind.MEETING)


def holders_to_tell(session: Session, case: Case) -> list[User]:
    """The active holders for whom the case is at a stage of their role
    (not one who passed it on), not restricted from it."""
    restricted = select(CaseRestriction.user_id).where(
        CaseRestriction.case_id == case.id, CaseRestriction.lifted_at.is_(None))
    users = session.scalars(
        select(User).where(
            User.id.in_(select(KeyWrap.user_id).where(KeyWrap.case_id == case.id,
                                                       KeyWrap.user_id.is_not(None))),
            User.active, User.id.not_in(restricted))
        .order_by(User.id)
    ).all()
    return [user for user in users if case.state in stages_of(user)]


def reporter_event(session: Session, rt: Runtime, case: Case,
                   kind: ReporterEventKind | str) -> ReporterEvent:
    """Record what the reporter did and queue a notification for each holder,
    in the caller's transaction (never commits, never sends). Called with
    one line from each of the reporter's actions (app/cases/mailbox.py,
    app/cases/minutes.py)."""
    kind = ReporterEventKind(kind)
    message_id = None
    if kind in _WITH_MESSAGE:
        session.flush()
        message_id = session.scalar(select(func.max(Message.id)).where(
            Message.case_id == case.id, Message.author_kind == AuthorKind.REPORTER))
    event = ReporterEvent(case_id=case.id, kind=kind, message_id=message_id,
                          happened_on=local_date(utcnow(), rt.settings.zone))
    session.add(event)
    session.flush()
    for user in holders_to_tell(session, case):
        session.add(Notification(event_id=event.id, user_id=user.id))
    return event

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

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.cases.queues import stages_of
from app.cases.reminders import Sender
from app.localtime import local_date
from app.models import (
    Case,
    CaseRestriction,
    KeyWrap,
    Message,
    Notification,
    NotifyPreference,
    ReporterEvent,
    User,
    utcnow,
)
from app.runtime import Runtime
from app.vocabulary import AuditAction, AuthorKind, ReporterEventKind

log = logging.getLogger("meldpunt.notify")

# A daily digest goes out with the first run at or after this local hour.
DIGEST_HOUR = 8

# Builds the e-mail telling `user` there is news in the cases with these
# numbers; `digest`: the daily overview (text: app/cli/notifications.py).
Compose = Callable[[User, list[str], bool], EmailMessage]

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


# --- the holder's choice ------------------------------------------------------------


def wants_daily_digest(session: Session, user: User) -> bool:
    preference = session.get(NotifyPreference, user.id)
    return preference is not None and preference.daily_digest


def set_daily_digest(session: Session, rt: Runtime, user: User, daily: bool) -> None:
    """One e-mail a day instead of one per run with news. Owns its transaction."""
    preference = session.get(NotifyPreference, user.id)
    if preference is None:
        preference = NotifyPreference(user_id=user.id, daily_digest=daily)
        session.add(preference)
    preference.daily_digest = daily
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.NOTIFY_PREFERENCE_SET,
                    object_type="user", object_id=str(user.id))
    session.commit()


# --- sending (meldpunt notify send) -------------------------------------------------


def _digest_due(preference: NotifyPreference | None, now: datetime, rt: Runtime) -> bool:
    if preference is None or not preference.daily_digest:
        return True
    local = now.astimezone(rt.settings.zone)
    return local.hour >= DIGEST_HOUR and preference.last_digest_on != local.date()


def send_notifications(session: Session, rt: Runtime, send: Sender, compose: Compose, *,
                       now: datetime | None = None, origin: str = "cli") -> int:
    """Send the outbox: one e-mail per holder with news, naming the cases'
    numbers; a holder who chose the daily digest gets one the first run
    after DIGEST_HOUR. A holder who no longer holds a case, or is no longer
    active, is not told of it (the row goes). A failing mail server leaves
    that holder's rows for the next run (logged without the address). Each
    holder's rows go in their own transaction once their mail is sent.
    Returns how many e-mails were sent."""
    now = now or utcnow()
    rows = session.execute(
        select(Notification.id, Notification.user_id, Case)
        .join(ReporterEvent, ReporterEvent.id == Notification.event_id)
        .join(Case, Case.id == ReporterEvent.case_id)
        .order_by(Notification.id)
    ).all()
    to_tell: dict[int, set[int]] = {}
    by_user: dict[int, tuple[list[int], set[str]]] = defaultdict(lambda: ([], set()))
    gone: list[int] = []
    for row_id, user_id, case in rows:
        if case.id not in to_tell:
            to_tell[case.id] = {user.id for user in holders_to_tell(session, case)}
        if user_id not in to_tell[case.id]:
            gone.append(row_id)
            continue
        ids, numbers = by_user[user_id]
        ids.append(row_id)
        numbers.add(case.number)
    if gone:
        session.execute(delete(Notification).where(Notification.id.in_(gone)))
        session.commit()
    sent = 0
    for user_id in sorted(by_user):
        ids, numbers = by_user[user_id]
        user = session.get(User, user_id)
        preference = session.get(NotifyPreference, user_id)
        if user is None or not _digest_due(preference, now, rt):
            continue
        digest = preference is not None and preference.daily_digest
        try:
            send(compose(user, sorted(numbers), digest))
        except (OSError, smtplib.SMTPException) as error:
            log.warning("notification to user:%s not sent, kept for the next run: %s",
                        user_id, type(error).__name__)
            continue
        if digest and preference is not None:
            preference.last_digest_on = local_date(now, rt.settings.zone)
        session.execute(delete(Notification).where(Notification.id.in_(ids)))
        session.commit()
        sent += 1
    rt.audit.record(session, actor="system", action=AuditAction.NOTIFICATIONS_SENT,
                    object_type="notifications", object_id=str(sent), origin=origin)
    session.commit()
    return sent

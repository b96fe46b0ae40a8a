"""Floods of wrong codes and wrong passwords: the functional admin is told
(issue #25). Neither flood locks anyone out (the mailbox throttle works per
bucket, wrong passwords only slow an account down), so nobody would notice
one without this.

When wrong receipt codes in the current minute (all buckets together) or
failed staff sign-ins (password step, any account, the last ten minutes)
pass a threshold, one audit entry `security.flood_detected` is written with
the kind of flood as its object ("mailbox" or "signin") — at most one per
kind and local day. The admin's start page lists those of the last week.
Content-free: no code, no e-mail address, no account, no address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.localtime import local_date, start_of_day
from app.models import AuditEntry, MailboxThrottle, utcnow
from app.runtime import Runtime
from app.vocabulary import AuditAction

MAILBOX = "mailbox"
SIGNIN = "signin"
# Wrong receipt codes in one minute, over every bucket: a reporter mistypes
# a few; a hundred a minute is somebody trying.
MAILBOX_FLOOD_PER_MINUTE = 100
# Failed staff sign-ins (wrong password, unknown address, waiting account)
# in SIGNIN_WINDOW, over every account.
SIGNIN_FLOOD = 30
SIGNIN_WINDOW = timedelta(minutes=10)
SHOWN_DAYS = 7


@dataclass(frozen=True)
class FloodAlert:
    kind: str  # MAILBOX | SIGNIN
    at: datetime  # the day only for a mailbox flood (written in a reporter's request)


def _already_alerted(session: Session, rt: Runtime, kind: str, now: datetime) -> bool:
    today = start_of_day(local_date(now, rt.settings.zone), rt.settings.zone)
    return session.scalar(select(AuditEntry.seq).where(
        AuditEntry.action == AuditAction.SECURITY_FLOOD_DETECTED, AuditEntry.object_id == kind,
        AuditEntry.at >= today).limit(1)) is not None


def _alert(session: Session, rt: Runtime, kind: str, now: datetime) -> bool:
    if _already_alerted(session, rt, kind, now):
        return False
    rt.audit.record(session, actor="system", action=AuditAction.SECURITY_FLOOD_DETECTED,
                    object_type="flood", object_id=kind)
    return True


def check_mailbox_flood(session: Session, rt: Runtime, window: datetime) -> bool:
    """After a wrong receipt code, in the caller's transaction: alert when
    the minute `window` has had the flood's number of wrong codes."""
    failures = session.scalar(select(func.sum(MailboxThrottle.failures)).where(
        MailboxThrottle.window_start == window)) or 0
    return failures >= MAILBOX_FLOOD_PER_MINUTE and _alert(session, rt, MAILBOX, window)


def check_sign_in_flood(session: Session, rt: Runtime, now: datetime | None = None) -> bool:
    """After a refused staff sign-in: alert (and commit) when the last
    SIGNIN_WINDOW had SIGNIN_FLOOD of them. Owns its transaction."""
    now = now or utcnow()
    failures = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == AuditAction.SIGNIN_PASSWORD,
        AuditEntry.result.in_(("failed", "denied")), AuditEntry.at >= now - SIGNIN_WINDOW)) or 0
    alerted = failures >= SIGNIN_FLOOD and _alert(session, rt, SIGNIN, now)
    session.commit()
    return alerted


def recent_floods(session: Session, rt: Runtime, now: datetime | None = None
                  ) -> list[FloodAlert]:
    """The floods of the last SHOWN_DAYS days, newest first (the admin's
    start page)."""
    now = now or utcnow()
    since = start_of_day(local_date(now, rt.settings.zone) - timedelta(days=SHOWN_DAYS),
                         rt.settings.zone)
    rows = session.execute(select(AuditEntry.object_id, AuditEntry.at).where(
        AuditEntry.action == AuditAction.SECURITY_FLOOD_DETECTED, AuditEntry.at >= since)
        .order_by(AuditEntry.seq.desc())).all()
    return [FloodAlert(kind=kind, at=at) for kind, at in rows]

"""Server-side staff sessions that also hold the unlocked private key.

The cookie carries (token, secret). The database holds SHA-256(token) and the
private key sealed under a key derived from the secret. Signing out, expiry, a
password change or an admin reset deletes the row, and with it the key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.crypto.errors import DecryptionError
from app.crypto.keys import PrivateKey, new_session_secret, open_from_session, seal_for_session
from app.crypto.tokens import b64, token_digest, unb64
from app.models import StaffSession, User, utcnow

# Writing last_seen on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionCookie:
    token: str
    secret: str

    def __repr__(self) -> str:
        return "<SessionCookie>"



def start_session(
    session: Session, user: User, stage: str, private_key: PrivateKey | None = None
) -> tuple[StaffSession, SessionCookie]:
    token = secrets.token_urlsafe(32)
    secret = new_session_secret()
    row = StaffSession(id=token_digest(token), user_id=user.id, stage=stage)
    if private_key is not None:
        row.sealed_private_key = seal_for_session(private_key, secret, session_id=row.id)
    session.add(row)
    session.flush()
    return row, SessionCookie(token=token, secret=b64(secret))


def rotate_session(
    session: Session, old: StaffSession, cookie: SessionCookie, stage: str
) -> tuple[StaffSession, SessionCookie]:
    """A new session id (and secret) for a new privilege level; the old row goes."""
    private_key = unlocked_private_key(old, cookie)
    new_row, new_cookie = start_session(session, old.user, stage, private_key)
    new_row.pending_totp_secret = None
    session.delete(old)
    session.flush()
    return new_row, new_cookie


def seal_key_into(row: StaffSession, cookie: SessionCookie, private_key: PrivateKey) -> None:
    row.sealed_private_key = seal_for_session(private_key, unb64(cookie.secret), session_id=row.id)


def find_session(
    session: Session, cookie: SessionCookie, settings: Settings, now: datetime | None = None
) -> StaffSession | None:
    """The live session for this cookie, or None (an expired one is deleted)."""
    now = now or utcnow()
    row = session.get(StaffSession, token_digest(cookie.token))
    if row is None:
        return None
    if row.stage == "active":
        idle = now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        absolute = now - row.created_at > timedelta(hours=settings.session_absolute_hours)
    else:
        idle = absolute = now - row.created_at > timedelta(minutes=settings.sign_in_step_minutes)
    if idle or absolute or not row.user.active:
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return row


def unlocked_private_key(row: StaffSession, cookie: SessionCookie) -> PrivateKey | None:
    if row.sealed_private_key is None:
        return None
    try:
        return open_from_session(row.sealed_private_key, unb64(cookie.secret), session_id=row.id)
    except DecryptionError:
        return None


def end_session(session: Session, row: StaffSession) -> None:
    session.delete(row)


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


def purge_expired_sessions(session: Session, settings: Settings,
                           now: datetime | None = None) -> int:
    """Delete every expired session row (and the sealed key in it), also of
    users who never come back; sign-ins call this."""
    now = now or utcnow()
    idle_cutoff = now - timedelta(minutes=settings.session_idle_minutes)
    absolute_cutoff = now - timedelta(hours=settings.session_absolute_hours)
    step_cutoff = now - timedelta(minutes=settings.sign_in_step_minutes)
    rows = session.execute(
        select(StaffSession.id).where(
            (StaffSession.last_seen_at < idle_cutoff)
            | (StaffSession.created_at < absolute_cutoff)
            | ((StaffSession.stage != "active") & (StaffSession.created_at < step_cutoff))
        )
    ).scalars().all()
    if rows:
        session.execute(delete(StaffSession).where(StaffSession.id.in_(rows)))
    return len(rows)

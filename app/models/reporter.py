"""The reporter's open mailbox, the sign-in throttle and the sent report
forms' send tokens.

None of these tables holds anything that identifies a person: no IP address, no
user agent, no receipt code.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EXACT, Base, utcnow


class ReporterSession(Base):
    """An open mailbox. The cookie carries a random token (stored here only as
    its SHA-256) and a secret (never stored); the case key is kept here sealed
    under that secret, so neither the database nor the cookie alone opens it."""

    __tablename__ = "reporter_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    sealed_case_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The day it was opened, nothing finer (app/daytime.py); the moments the
    # idle and absolute limits count from are in the reporter's cookie.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Opened with a code staff handed over: nothing of the mailbox opens
    # until the reporter has confirmed the new code that replaces it.
    new_code_pending: Mapped[bool] = mapped_column(default=False)


class MailboxThrottle(Base):
    """Failed mailbox sign-ins per time window and locator bucket (a few bits
    of the keyed tag of the code that was tried, app/crypto/receipts.py): the
    throttle works without knowing who tried."""

    __tablename__ = "mailbox_throttle"

    # A minute, about nobody, gone when the minute has passed: kept exact
    # (app/daytime.py).
    window_start: Mapped[datetime] = mapped_column(primary_key=True, info=EXACT)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(default=0)


class SendToken(Base):
    """A report form that was sent (app/cases/intake.py): its send token,
    kept only as a keyed hash with the day, so that sending the same form
    again creates nothing. No link to the case, no time finer than the day;
    deleted after a day (`purge_send_tokens`)."""

    __tablename__ = "send_token"

    # The primary key makes the database refuse a second use, also when two
    # requests race past the look-up before either commits.
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    sent_on: Mapped[date] = mapped_column(Date, index=True)

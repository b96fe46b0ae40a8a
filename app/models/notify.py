"""What the reporter did, for the handlers' start page and their e-mail
notifications (app/cases/notify.py). Clear metadata only: which kind of
thing happened on which case on which day — never what was written.

`ReporterEvent` keeps the day only (DESIGN.md: reporter-driven times no finer
than the day). `Notification` is the outbox: a row per holder and event,
written in the reporter's own transaction and deleted once the e-mail is
sent (or the holder is no longer there to receive it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, code_column
from app.vocabulary import ReporterEventKind


class ReporterEvent(Base):
    __tablename__ = "reporter_event"
    __table_args__ = (Index("ix_reporter_event_case_kind", "case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    kind: Mapped[ReporterEventKind] = mapped_column(code_column(ReporterEventKind, 30))
    happened_on: Mapped[date] = mapped_column(Date)
    # The reporter's message that carried it (a reply, a request for a
    # meeting): a staff message with a higher id answers it.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL"))


class Notification(Base):
    """One e-mail still to send: holder `user_id` is to hear of `event_id`."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("reporter_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class NotifyPreference(Base):
    """A staff member's choice: an e-mail per event (the default, no row),
    or one digest a day."""

    __tablename__ = "notify_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(default=False)
    # The organisation's local date of the last digest sent.
    last_digest_on: Mapped[date | None] = mapped_column(Date)


class CaseSeen(Base):
    """How far a holder has seen the reporter's news on a case: the newest
    `reporter_event` there was when they last opened the case page. An
    event with a higher id is unread for them (the queue marks it)."""

    __tablename__ = "case_seen"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True)
    seen_event_id: Mapped[int] = mapped_column(default=0)


class ReporterContact(Base):
    """The reporter's opt-in address for a content-free "there is news in
    your mailbox" e-mail (app/cases/reporter_contact.py).

    The address is sealed (AES-256-GCM) under a random key, and that key is
    wrapped with HPKE to the server's notifier key (keys/notify.pub); only
    the holder of keys/notify.key — `meldpunt notify send` — can open it.
    No handler's key opens it, and no time finer than the day is kept."""

    __tablename__ = "reporter_contact"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True)
    # Which notifier key it is wrapped to (SHA-256 of its public half).
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    address_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # A handler wrote to the reporter since the last e-mail.
    news_pending: Mapped[bool] = mapped_column(default=False)
    # The organisation's local date of the last e-mail (at most one a day).
    last_sent_on: Mapped[date | None] = mapped_column(Date)

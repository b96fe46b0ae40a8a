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

from sqlalchemy import Date, ForeignKey, Index
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

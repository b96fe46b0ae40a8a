"""Minutes of a meeting with the reporter (Directive 2019/1937 art. 9(2), 18):
the handler's record, which the reporter checks, then approves or corrects.

Clear: when the meeting was, who recorded which version when, and the status
(the reporter's approval is workflow metadata). Encrypted under the case key:
the text and who was present (field "minutes:<id>:<version>") and the
reporter's corrections (field "minutes:<id>:<version>:correction").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

# draft: not (or not again) sent; awaiting_reporter: in the mailbox;
# corrections_received: the reporter asked for changes; approved: by the
# reporter in the mailbox, or on paper (approved_via).
MINUTES_STATUSES = ("draft", "awaiting_reporter", "corrections_received", "approved")
APPROVED_VIA = ("mailbox", "paper")


class MeetingMinutes(Base):
    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    meeting_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30), default="draft")
    current_version: Mapped[int] = mapped_column(default=1)
    # The version the reporter last received in the mailbox (None: never sent).
    sent_version: Mapped[int | None]
    sent_at: Mapped[datetime | None]
    # When the reporter approved or sent corrections (or the paper approval).
    decided_at: Mapped[datetime | None]
    approved_via: Mapped[str | None] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesVersion(Base):
    """One version of the minutes; a revision after corrections is a new row,
    so every version and every correction stays readable to the handlers."""

    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_minutes.id", ondelete="CASCADE"), index=True
    )
    # Also here, so shredding finds every ciphertext by case.
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    correction_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    corrected_at: Mapped[datetime | None]

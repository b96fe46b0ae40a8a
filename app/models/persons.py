"""Persons concerned in a case (GDPR art. 14/15, UAVG art. 41, Directive
art. 22): who they are, whether they were informed, their hearing, their
requests, and the blind index that recognises them in other cases.

Clear, because deadlines, the start page, the workflow and statistics need
it: which case, who recorded what when, whether and when a person was
informed or on which ground informing was deferred until when, a hearing's
day and status, a request's kind, dates, deadline and decision. Encrypted in
the case's `casefile` compartment: the person's name, function, unit and role
in the case, the hearing minutes and comments, who asked a request and what.
The blind index holds a keyed digest of the normalised name, never the name.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, code_column, utcnow
from app.vocabulary import (
    HearingStatus,
    NoticeMeans,
    NoticeStatus,
    RestrictionGround,
    SubjectRequestDecision,
    SubjectRequestKind,
)


class PersonConcerned(Base):
    __tablename__ = "person_concerned"
    __table_args__ = (
        # The start page: deferred notices by review day.
        Index("ix_person_concerned_status_review", "notice_status", "review_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Name, function, unit and role (JSON), sealed in casefile, field
    # "person:<id>".
    details_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    notice_status: Mapped[NoticeStatus] = mapped_column(code_column(NoticeStatus, 20),
                                                        default=NoticeStatus.PENDING)
    informed_on: Mapped[date | None] = mapped_column(Date)
    informed_by: Mapped[NoticeMeans | None] = mapped_column(code_column(NoticeMeans, 20))
    deferral_ground: Mapped[RestrictionGround | None] = mapped_column(
        code_column(RestrictionGround, 40))
    review_on: Mapped[date | None] = mapped_column(Date)
    notice_decided_at: Mapped[datetime | None]
    notice_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # Why informing was deferred (or how it went), sealed in casefile,
    # field "person:<id>:notice".
    notice_note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class PersonIndexEntry(Base):
    """The blind index: HMAC-SHA256 of the person's normalised name under
    keys/person_index.key (app/crypto/blind_index.py). One per person."""

    __tablename__ = "person_index"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person_concerned.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)


class Hearing(Base):
    """Hoor en wederhoor: a person concerned heard before the decision. The
    heard person checks the minutes and approves them or comments; a
    revision is a new version (app/cases/hearings.py)."""

    __tablename__ = "hearing"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person_concerned.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    status: Mapped[HearingStatus] = mapped_column(code_column(HearingStatus, 30),
                                                  default=HearingStatus.DRAFT)
    current_version: Mapped[int] = mapped_column(default=1)
    given_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HearingVersion(Base):
    __tablename__ = "hearing_version"
    __table_args__ = (UniqueConstraint("hearing_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(
        ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    # Also here, so shredding finds every ciphertext by case.
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Text and who was present, sealed in casefile, field "hearing:<id>:<v>".
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # The heard person's comments, field "hearing:<id>:<v>:comments".
    comments_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    commented_at: Mapped[datetime | None]


class SubjectRequest(Base):
    """A data subject's request (GDPR art. 15-21) about a case, with the
    one-month deadline of art. 12(3)."""

    __tablename__ = "subject_request"
    __table_args__ = (Index("ix_subject_request_open_due", "decided_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    # The person concerned who asked, when it is one of them.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_concerned.id", ondelete="SET NULL"))
    kind: Mapped[SubjectRequestKind] = mapped_column(code_column(SubjectRequestKind, 20))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[SubjectRequestDecision | None] = mapped_column(
        code_column(SubjectRequestDecision, 20))
    restriction_ground: Mapped[RestrictionGround | None] = mapped_column(
        code_column(RestrictionGround, 40))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who asked, how to reach them and what they asked, sealed in casefile,
    # field "request:<id>".
    details_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class RepeatReview(Base):
    """A handler asked the ICC to look at a person concerned who is named in
    other cases too. Clear: which case and person row, who asked, when;
    never the name."""

    __tablename__ = "repeat_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person_concerned.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

"""What handlers add to a case: notes, external referrals and conflict-of-interest
restrictions. Content (note bodies, the referral package, reasons) is always a
ciphertext under the case's data key; only who/when stays in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

# internal: the case's handlers (not external investigators); referral: shared
# between the IC and the bureau; personal: only the author.
NOTE_VISIBILITIES = ("internal", "referral", "personal")
RESTRICTION_KINDS = ("recused", "excluded")


class CaseNote(Base):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    visibility: Mapped[str] = mapped_column(String(20), default="internal")
    # The compartment its body is sealed in (casefile, personal:<author>,
    # referral:<id>); bound, with author and visibility, into its AD.
    compartment: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Field "note:<id>" in the associated data.
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class ExternalReferral(Base):
    """What the IC sent to an external bureau: the selected report fields
    (encrypted, field "referral:<id>") and attachment ids."""

    __tablename__ = "external_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    bureau_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    package_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # Comma-separated attachment ids (clear: ids only, no names).
    attachment_ids: Mapped[str] = mapped_column(String(400), default="")
    includes_identity: Mapped[bool] = mapped_column(default=False)
    # Delivered or the case closed: the bureau's wraps are gone and its
    # compartment moved to a new generation (app/cases/custody.py).
    ended_at: Mapped[datetime | None]


class CaseRestriction(Base):
    """Conflict of interest: a handler who recused, or a person intake excluded
    because they are named in the report. While active (not lifted) the
    person can not open the case."""

    __tablename__ = "case_restriction"
    __table_args__ = (Index("ix_case_restriction_case_user", "case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Whether the person held a wrap that the restriction deleted: lifting
    # the restriction re-grants it.
    had_wrap: Mapped[bool] = mapped_column(default=False)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Why it was lifted, encrypted under the case key (field "restriction:<id>").
    lift_reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class RegrantRequest(Base):
    """The ICC asks for a stranded case (no active holder can open it) to
    be re-granted to `target_id` with the offline recovery key. The
    ceremony (`meldpunt keys regrant-requested`) fulfils the open requests
    at once and sets `done_at`."""

    __tablename__ = "regrant_request"
    __table_args__ = (Index("ix_regrant_request_open", "done_at", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # app.vocabulary.RegrantReason (a code, never free text).
    reason: Mapped[str] = mapped_column(String(30))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

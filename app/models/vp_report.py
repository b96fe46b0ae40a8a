"""The confidential counsellor's own account of a year, for the VP annual
report (seed 000 §28): one per counsellor per year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class CounsellorNarrative(Base):
    """What a vertrouwenspersoon writes about their year for the unit's
    management and the ICC. Plain text, not case content: written to be
    read by those, without names (see SECURITY.md)."""

    __tablename__ = "vp_narrative"
    __table_args__ = (UniqueConstraint("counsellor_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"))
    year: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

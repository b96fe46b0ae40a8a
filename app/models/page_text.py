"""Texts of public pages that the functional administrator may reword."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class PageText(Base):
    """An admin's override of one start page section in one language. The
    shipped text (the translation catalog) is the default; deleting the row
    brings it back. Plain text: it is escaped when shown, never rendered as HTML."""

    __tablename__ = "page_text"
    __table_args__ = (UniqueConstraint("section", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

"""The database file store's tables (app/storage/database.py): a file's
ciphertext in chunks, and what a file system keeps about a file - its name
(the random id), whether it is still pending, its size and when it was last
written. Nothing else: no attachment name, type or key, no case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class StoredFile(Base):
    __tablename__ = "stored_file"
    # The sweep of abandoned uploads (after every upload request) finds the
    # pending rows without reading the others.
    __table_args__ = (Index("ix_stored_file_pending_modified_at", "pending", "modified_at"),)

    file_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # An upload still being written (or not yet kept with its case).
    pending: Mapped[bool]
    size: Mapped[int] = mapped_column(BigInteger)
    # A pending file's last write, exactly (its lease); a kept file's day,
    # rounded up to the next local day's start (reporter-driven times are
    # kept no finer than the day).
    modified_at: Mapped[datetime]


class StoredChunk(Base):
    __tablename__ = "stored_file_chunk"

    file_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stored_file.file_id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)

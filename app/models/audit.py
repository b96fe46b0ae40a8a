"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuditEntry(Base):
    """Who did what to which object, and how it went. Never content, never a
    reporter's identity, never an IP address, never a secret."""

    __tablename__ = "audit_entry"
    # The case page's timeline reads the entries of one object.
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "user:<id>", "reporter" (no identifier) or "system"
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[str] = mapped_column(String(60), default="")
    result: Mapped[str] = mapped_column(String(10), default="ok")
    origin: Mapped[str] = mapped_column(String(10), default="web")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """Where the chain starts after its oldest entries were pruned (their
    retention period passed): the last pruned entry's sequence number and
    hash, with an HMAC so that nobody without the audit key can move the
    starting point. `audit verify` begins at the newest anchor."""

    __tablename__ = "audit_anchor"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_hash: Mapped[str] = mapped_column(String(64))
    # Time of the last pruned entry, and when the pruning happened.
    entry_at: Mapped[datetime]
    pruned_at: Mapped[datetime] = mapped_column(default=utcnow)
    mac: Mapped[str] = mapped_column(String(64))

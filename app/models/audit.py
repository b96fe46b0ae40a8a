"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuditEntry(Base):
    """Who did what to which object, and how it went. Never content, never a
    reporter's identity, never an IP address, never a secret.

    `seq` numbers entries as they are written (a database sequence: gaps where
    a transaction rolled back); `row_mac` protects an entry until the sealer
    links it into the hash chain at `chain_pos` with `prev_hash`,
    `entry_hash` and `mac` (app/audit/log.py)."""

    __tablename__ = "audit_entry"
    # The case page's timeline reads the entries of one object. SQLite: a
    # number is never used twice, also after the newest entries were pruned.
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),
                      {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "user:<id>", "reporter" (no identifier) or "system"
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[str] = mapped_column(String(60), default="")
    result: Mapped[str] = mapped_column(String(10), default="ok")
    origin: Mapped[str] = mapped_column(String(10), default="web")
    # Whom the action concerns besides the object, e.g. "user:7" for a grant
    # of a case to user 7 (empty for most entries; hashed with the object).
    target: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Until sealed: HMAC of seq and the fields (empty on entries written
    # before sealing existed: they were chained as they were written).
    row_mac: Mapped[str | None] = mapped_column(String(64))
    # The place in the hash chain, set once by the sealer.
    chain_pos: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))


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

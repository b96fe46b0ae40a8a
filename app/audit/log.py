"""Append-only, hash-chained and HMAC'd audit log.

Each entry's hash covers the previous entry's hash and its own fields; an
HMAC under keys/audit_hmac.key over that hash means that an attacker with
write access to the database alone can not rebuild a consistent chain after
editing a row. Entries are written in the caller's transaction, so an action
and its entry commit or roll back together.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.base import utcnow

GENESIS = "0" * 64
RESULTS = ("ok", "denied", "failed")
ORIGINS = ("web", "cli", "job")


class ChainBroken(Exception):
    pass


def _canonical(seq: int, at: datetime, actor: str, action: str, object_type: str,
               object_id: str, result: str, origin: str) -> bytes:
    # Length-prefixed so no two different entries serialise alike.
    parts = [str(seq), at.isoformat(timespec="microseconds"), actor, action, object_type,
             object_id, result, origin]
    return b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    body = _canonical(entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                      entry.object_id, entry.result, entry.origin)
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


class AuditLog:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "<AuditLog>"

    def _mac(self, digest: str) -> str:
        return hmac.new(self._key, digest.encode(), hashlib.sha256).hexdigest()

    def record(
        self,
        session: Session,
        *,
        actor: str,
        action: str,
        object_type: str = "",
        object_id: str | int = "",
        result: str = "ok",
        origin: str = "web",
    ) -> AuditEntry:
        if result not in RESULTS or origin not in ORIGINS:
            raise ValueError("unknown audit result or origin")
        if session.get_bind().dialect.name == "postgresql":
            # One appender at a time: the chain has no forks.
            session.execute(text("SELECT pg_advisory_xact_lock(7310001)"))
        head = session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        entry = AuditEntry(
            seq=seq, at=utcnow(), actor=actor, action=action, object_type=object_type,
            object_id=str(object_id), result=result, origin=origin, prev_hash=prev,
        )
        entry.entry_hash = entry_hash(prev, entry)
        entry.mac = self._mac(entry.entry_hash)
        session.add(entry)
        session.flush()
        return entry

    def verify(self, session: Session, checkpoint: tuple[int, str] | None = None) -> VerifyResult:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        return verify_chain(rows.yield_per(5000), self._mac, checkpoint)

    @staticmethod
    def head(session: Session) -> tuple[int, str]:
        row = session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    @staticmethod
    def count(session: Session) -> int:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(entries: Iterable[AuditEntry], mac, checkpoint=None) -> VerifyResult:  # type: ignore[no-untyped-def]
    prev = GENESIS
    expected_seq = 1
    checked = 0
    seen_checkpoint = checkpoint is None or checkpoint[0] == 0
    for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "entry missing (gap in sequence)")
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.seq, "link to previous entry broken")
        digest = entry_hash(prev, entry)
        if not hmac.compare_digest(digest, entry.entry_hash):
            return VerifyResult(False, checked, entry.seq, "entry altered (hash mismatch)")
        if not hmac.compare_digest(mac(digest), entry.mac):
            return VerifyResult(False, checked, entry.seq, "entry altered (HMAC mismatch)")
        if checkpoint and entry.seq == checkpoint[0]:
            if entry.entry_hash != checkpoint[1]:
                return VerifyResult(False, checked, entry.seq, "differs from checkpoint")
            seen_checkpoint = True
        prev = entry.entry_hash
        expected_seq += 1
        checked += 1
    if not seen_checkpoint:
        return VerifyResult(
            False, checked, checked + 1, "log ends before the checkpoint (truncated)"
        )
    return VerifyResult(True, checked)

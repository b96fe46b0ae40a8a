"""Audit entries that stand on their own (a page viewed, an export made, an
access refused) and the pruning of the log: each commits by itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.audit.log import ChainBroken, PruneResult
from app.runtime import Runtime
from app.transactions import transactional, unit_of_work
from app.vocabulary import AuditAction


@transactional
def record_event(session: Session, rt: Runtime, *, actor: str, action: AuditAction,
                 object_type: str = "", object_id: str | int = "", result: str = "ok",
                 origin: str = "web", target: str = "") -> None:
    """Record one audit entry and commit it. Owns its transaction."""
    rt.audit.record(session, actor=actor, action=action, object_type=object_type,
                    object_id=object_id, result=result, origin=origin, target=target)


def seal_audit_log(session: Session, rt: Runtime, *, wait: bool = True) -> int | None:
    """Seal the committed entries into the chain (AuditLog.seal) and commit;
    None when `wait` is off and another sealer is at work. Raises ChainBroken
    (nothing sealed) for an entry that fails its own HMAC. Owns its
    transaction."""
    with unit_of_work(session):
        return rt.audit.seal(session, wait=wait)


def prune_audit_log(session: Session, rt: Runtime, *, before: datetime, origin: str,
                    dry_run: bool = False) -> PruneResult:
    """Prune the entries written before `before` (AuditLog.prune) and commit.
    A broken chain is evidence and is never pruned: the refusal is recorded
    and committed instead, and ChainBroken raised again. Owns its
    transaction."""
    try:
        with unit_of_work(session):
            return rt.audit.prune(session, before=before, origin=origin, dry_run=dry_run)
    except ChainBroken as exc:
        record_event(session, rt, actor="system", action=AuditAction.AUDIT_PRUNE_REFUSED,
                     object_type="audit_log", object_id=str(exc.result.first_broken_seq),
                     result="failed", origin=origin)
        raise

"""The audit log records only the actions of the vocabulary."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.workflow import TRANSITIONS
from app.models import AuditEntry
from app.runtime import Runtime
from app.vocabulary import AuditAction


def test_every_workflow_transition_has_its_audit_action() -> None:
    """Each row names its own entry; one that does not records `case.<action>`,
    which must then be a member (AuditAction() raises ValueError otherwise)."""
    missing = [name for name, transition in TRANSITIONS.items() if transition.audit is None
               and f"case.{name}" not in set(AuditAction)]
    assert missing == []
    assert all(isinstance(t.audit_action, AuditAction) for t in TRANSITIONS.values())


def test_the_log_refuses_an_action_outside_the_vocabulary(session: Session,
                                                           rt: Runtime) -> None:
    with pytest.raises(ValueError, match="not an audit action"):
        rt.audit.record(session, actor="system", action="case.opne",  # type: ignore[arg-type]
                        origin="cli")
    with pytest.raises(ValueError, match="not an audit action"):
        rt.audit.record_many(session, [
            dict(actor="system", action=AuditAction.CASE_OPEN, origin="cli"),
            dict(actor="system", action="retention.everything_deleted", origin="cli"),
        ])
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_log_stores_the_action_as_its_code(session: Session, rt: Runtime) -> None:
    entry = rt.audit.record(session, actor="system", action=AuditAction.STATS_EXPORTED,
                            origin="cli")
    session.commit()
    stored = session.scalar(select(AuditEntry.action).where(AuditEntry.seq == entry.seq))
    assert stored == "stats.exported" and type(stored) is str
    assert rt.audit.verify(session).ok

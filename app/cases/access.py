"""Opening a case: the one place that decides whether a staff member may read it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import conflicts, custody
from app.crypto.envelope import CaseKey
from app.crypto.keys import PrivateKey
from app.models import Case, User
from app.runtime import Runtime
from app.vocabulary import AuditAction


@dataclass(frozen=True)
class OpenCase:
    case: Case
    key: CaseKey


class AwaitingRegrant(Exception):
    def __init__(self, case: Case) -> None:
        super().__init__(case.number)
        self.case = case


def open_case(session: Session, rt: Runtime, user: User, private_key: PrivateKey | None,
              number: str, action: AuditAction = AuditAction.CASE_OPEN) -> OpenCase:
    """Decrypt-ready access to a case, audit-logged either way.

    A case the user holds no key for, or is recused or excluded from,
    answers 404 — the same as a case that does not exist — so numbers can not
    be probed.
    """
    case = session.scalar(select(Case).where(Case.number == number))
    if case is None:
        rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                        object_id=number[:60], result="denied")
        session.commit()
        abort(404)
    if conflicts.is_restricted(session, case, user):
        # Recused or excluded: the same answer as a case that does not exist,
        # so a person named in a report does not learn of it.
        rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                        object_id=case.number, result="denied")
        session.commit()
        abort(404)
    try:
        key = custody.open_case_key(session, case, user, private_key)
    except custody.NoAccess:
        stale = custody.holds(session, case, user) and case.shredded_at is None
        rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                        object_id=case.number, result="denied")
        session.commit()
        if stale:
            raise AwaitingRegrant(case) from None
        abort(404)
    rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                    object_id=case.number)
    session.commit()
    return OpenCase(case=case, key=key)

"""Opening a case: the one place that decides whether a staff member may read it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import conflicts, custody, legacy
from app.crypto.compartments import CaseKeys
from app.crypto.keys import PrivateKey
from app.errors import NotAllowed, NotFound
from app.models import Case, User
from app.runtime import Runtime
from app.vocabulary import AuditAction


@dataclass(frozen=True)
class OpenCase:
    case: Case
    key: CaseKeys


class CaseNotFound(NotFound):
    """No such case, or not for this user: the same answer, so numbers can
    not be probed."""

    area = "case"
    default_code = "not_found"


class AwaitingRegrant(NotAllowed):
    """The user holds the case but their key changed: a colleague must
    re-grant access (the web shows its own page)."""

    area = "case"
    default_code = "awaiting_regrant"

    def __init__(self, case: Case) -> None:
        super().__init__()
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
        raise CaseNotFound
    if conflicts.is_restricted(session, case, user):
        # Recused or excluded: the same answer as a case that does not exist,
        # so a person named in a report does not learn of it.
        rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                        object_id=case.number, result="denied")
        session.commit()
        raise CaseNotFound
    try:
        legacy.move_if_needed(session, rt, case, user, private_key)
        key = custody.open_case_key(session, case, user, private_key)
    except custody.NoAccess:
        stale = custody.holds(session, case, user) and case.shredded_at is None
        rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                        object_id=case.number, result="denied")
        session.commit()
        if stale:
            raise AwaitingRegrant(case) from None
        raise CaseNotFound from None
    rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                    object_id=case.number)
    session.commit()
    return OpenCase(case=case, key=key)

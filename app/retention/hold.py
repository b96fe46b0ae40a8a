"""Legal hold: the IC suspends deletion of a case, with a reason (encrypted
in the case file compartment: it may name people). Setting and lifting are logged."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.cases import seals
from app.cases.content import encrypt_text
from app.crypto.compartments import CASEFILE, CaseKeys
from app.errors import NotAllowed
from app.models import Case, User, utcnow
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import AuditAction, Role

HOLD_ROLES = frozenset({Role.IC, Role.ICC})
REASON_FIELD = "legal_hold_reason"


class HoldNotAllowed(NotAllowed):
    """Not a role that sets a legal hold, or no reason given."""

    area = "hold"


@transactional
def set_legal_hold(session: Session, rt: Runtime, case: Case, user: User, key: CaseKeys,
                   reason: str) -> None:
    """Suspend the case's deletion, with a reason. Owns its transaction."""
    if not user.has_role(*HOLD_ROLES):
        raise HoldNotAllowed("role")
    if not reason.strip():
        raise HoldNotAllowed("reason_required")
    case.legal_hold = True
    case.legal_hold_set_at = utcnow()
    case.legal_hold_reason_ciphertext = encrypt_text(key, reason.strip(), field=REASON_FIELD,
                                                     compartment=CASEFILE)
    # Kept past its expiry: sealed a lease ahead, re-sealed by every sweep.
    seals.reseal_case(session, rt, case)
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_LEGAL_HOLD_SET,
                    object_type="case", object_id=case.number)


@transactional
def lift_legal_hold(session: Session, rt: Runtime, case: Case, user: User) -> None:
    """Let the case's retention period run again. Owns its transaction."""
    if not user.has_role(*HOLD_ROLES):
        raise HoldNotAllowed("role")
    case.legal_hold = False
    case.legal_hold_set_at = None
    case.legal_hold_reason_ciphertext = None
    seals.reseal_case(session, rt, case)
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_LEGAL_HOLD_LIFTED,
                    object_type="case", object_id=case.number)

"""Conflict of interest: a handler may recuse from a case, intake may exclude a
person named in the report. A restricted person's wraps are deleted and
what they held moves to a new key generation (they can no longer decrypt
anything written afterwards) and `open_case` refuses them; lifting a restriction needs a
reason, is logged, and gives back the wrap they had."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import custody
from app.cases.content import decrypt_text, encrypt_text
from app.crypto.compartments import CASEFILE, CaseKeys
from app.errors import DomainError
from app.models import Case, CaseRestriction, KeyWrap, User, utcnow
from app.runtime import Runtime
from app.vocabulary import AuditAction


class ConflictError(DomainError, ValueError):
    """A restriction that can not be made or lifted (str() is a reason code)."""

    area = "conflicts"


def active_restriction(session: Session, case: Case, user: User) -> CaseRestriction | None:
    return session.scalar(
        select(CaseRestriction).where(
            CaseRestriction.case_id == case.id, CaseRestriction.user_id == user.id,
            CaseRestriction.lifted_at.is_(None),
        ).limit(1)
    )


def is_restricted(session: Session, case: Case, user: User) -> bool:
    return active_restriction(session, case, user) is not None


def restrictions(session: Session, case: Case) -> list[tuple[CaseRestriction, User]]:
    rows = session.execute(
        select(CaseRestriction, User).join(User, User.id == CaseRestriction.user_id)
        .where(CaseRestriction.case_id == case.id).order_by(CaseRestriction.id)
    ).all()
    return [(row, user) for row, user in rows]


def _restrict(session: Session, rt: Runtime, case: Case, actor: User | None, target: User,
              kind: str, keys: CaseKeys | None = None,
              would_hold: bool = False) -> CaseRestriction:
    """`actor` None: the system, for a person the reporter named.
    `would_hold`: they were left out of a new case's first holders because
    of it (lifting the restriction then gives them the case as well)."""
    if is_restricted(session, case, target):
        raise ConflictError("already_restricted")
    had_wrap = custody.holds(session, case, target) or would_hold
    # Their wraps go and what they held moves to a new generation: nothing
    # written from now on opens with their keys.
    custody.remove_holders(session, rt, case, session.scalars(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.user_id == target.id)).all(),
        keys)
    row = CaseRestriction(case_id=case.id, user_id=target.id, kind=kind,
                          created_by_id=actor.id if actor is not None else None,
                          had_wrap=had_wrap)
    session.add(row)
    rt.audit.record(session, actor=custody.recipient_for(actor) if actor else "system",
                    action=AuditAction(f"case.{kind}"), object_type="case",
                    object_id=case.number, target=custody.recipient_for(target))
    return row


def exclude_named(session: Session, rt: Runtime, case: Case, target: User,
                  keys: CaseKeys, *, would_hold: bool = False) -> CaseRestriction:
    """The system excludes a member of staff the reporter named in the
    form, in the new case's transaction (app/cases/persons.py); never commits.
    They were given no wrap (`would_hold`: they would have been a first
    holder); should they hold one, it goes and `keys` gets the new
    generations."""
    return _restrict(session, rt, case, None, target, "excluded", keys, would_hold)


def recuse(session: Session, rt: Runtime, case: Case, actor: User) -> CaseRestriction:
    """The handler steps aside: their wrap goes, they can not open the case.

    Not the last holder: the case would wait for the offline recovery key."""
    others = session.scalar(
        select(KeyWrap.id).where(KeyWrap.case_id == case.id, KeyWrap.user_id.is_not(None),
                                 KeyWrap.user_id != actor.id).limit(1)
    )
    if others is None:
        raise ConflictError("last_holder")
    row = _restrict(session, rt, case, actor, actor, "recused")
    session.commit()
    return row


def exclude(session: Session, rt: Runtime, case: Case, actor: User,
            target: User) -> CaseRestriction:
    """Intake excludes a person named in the report from the case."""
    if target.id == actor.id:
        raise ConflictError("use_recuse")
    row = _restrict(session, rt, case, actor, target, "excluded")
    session.commit()
    return row


def lift(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
         restriction: CaseRestriction, reason: str) -> None:
    """Lift a restriction with a reason (encrypted under the case key); the
    person gets back the wrap they had."""
    reason = reason.strip()
    if not reason:
        raise ConflictError("reason_required")
    if restriction.case_id != case.id or restriction.lifted_at is not None:
        raise ConflictError("not_active")
    target = session.get(User, restriction.user_id)
    restriction.lifted_at = utcnow()
    restriction.lifted_by_id = actor.id
    session.flush()
    restriction.lift_reason_ciphertext = encrypt_text(
        key, reason, field=f"restriction:{restriction.id}", compartment=CASEFILE)
    if restriction.had_wrap and target is not None and target.may_hold_cases:
        try:
            custody.wrap_for_user(session, rt, case, key, target, granted_by=actor)
        except custody.CustodyError:
            pass  # no key yet: a colleague re-grants later through the access page
    rt.audit.record(session, actor=custody.recipient_for(actor),
                    action=AuditAction.CASE_RESTRICTION_LIFTED,
                    object_type="case", object_id=case.number,
                    target=custody.recipient_for(target) if target is not None else "")
    session.commit()


def lift_reason(key: CaseKeys, case: Case, restriction: CaseRestriction) -> str | None:
    if restriction.lift_reason_ciphertext is None:
        return None
    if not key.has(CASEFILE):
        return None
    return decrypt_text(key, restriction.lift_reason_ciphertext,
                        field=f"restriction:{restriction.id}", compartment=CASEFILE)

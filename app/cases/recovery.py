"""What the offline recovery key does: re-grant a case, move every case
from before compartments at once, and move every case's recovery wrap to a
new recovery key. Each is a ceremony on the command line (`meldpunt keys
...`); the recovery key holds every compartment of every case."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import legacy
from app.cases.custody import (
    RECOVERY,
    NoAccess,
    open_with_recovery_key,
    wrap_for_recovery,
    wrap_for_user,
)
from app.crypto.compartments import CaseKeys
from app.crypto.errors import CryptoError
from app.crypto.keys import PrivateKey, fingerprint
from app.models import Case, KeyWrap, User
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import AuditAction


@transactional
def recover_access(session: Session, rt: Runtime, case: Case, recovery_private: PrivateKey,
                   target: User) -> KeyWrap:
    """Re-grant a case with the offline recovery key (`meldpunt keys recover`).
    Owns its transaction."""
    keys = recovery_keys(session, rt, case, recovery_private)
    return wrap_for_user(session, rt, case, keys, target, actor="system",
                         action=AuditAction.KEYS_RECOVERY_REGRANT, origin="cli")


def recovery_keys(session: Session, rt: Runtime, case: Case,
                  recovery_private: PrivateKey) -> CaseKeys:
    """Every compartment of the case, opened with the recovery key (a case
    from before compartments is moved to them first)."""
    wrap = session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.recipient == RECOVERY))
    if wrap is not None and wrap.wrapped_key is not None:
        try:
            legacy.upgrade_case(session, rt, case,
                                legacy.unwrap_legacy(wrap, recovery_private, case))
        except CryptoError as exc:
            raise NoAccess from exc
    return open_with_recovery_key(session, case, recovery_private)


def rewrap_all_for_recovery(session: Session, rt: Runtime, old_private: PrivateKey,
                            new_public: bytes) -> int:
    """Rotation: every case's recovery wrap moves to the new recovery key."""
    count = 0
    cases = session.scalars(select(Case).where(Case.shredded_at.is_(None))).all()
    for case in cases:
        keys = recovery_keys(session, rt, case, old_private)
        wrap_for_recovery(session, rt, case, keys, new_public)
        count += 1
    return count


@transactional
def rotate_recovery_key(session: Session, rt: Runtime, old_private: PrivateKey,
                        new_public: bytes, keep_new_private: Callable[[], None]) -> int:
    """Move every case's recovery wrap to a new recovery key, audit-logged.
    `keep_new_private` (which writes the new private half away) runs before
    the commit, so the wraps never move to a key whose private half was not
    kept. Owns its transaction."""
    count = rewrap_all_for_recovery(session, rt, old_private, new_public)
    keep_new_private()
    rt.audit.record(session, actor="system", action=AuditAction.KEYS_RECOVERY_ROTATED,
                    object_type="key", object_id=fingerprint(new_public)[:16], origin="cli")
    return count


def upgrade_all(session: Session, rt: Runtime, recovery_private: PrivateKey) -> int:
    """Every case not moved to compartments yet, one transaction each,
    audit-logged (`meldpunt keys upgrade-cases`). Returns how many moved."""
    count = 0
    for case in legacy.legacy_cases(session):
        recovery_keys(session, rt, case, recovery_private)
        rt.audit.record(session, actor="system", action=AuditAction.KEYS_CASE_UPGRADED,
                        object_type="case", object_id=case.number, origin="cli")
        session.commit()
        count += 1
    return count

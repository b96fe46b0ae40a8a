"""Key custody: who holds a case's data key.

Routing a case to a person means a current holder wraps the key for them;
revoking means deleting that wrap; shredding means deleting every wrap and
file key, after which the ciphertext is noise — also in backups.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    SQLColumnExpression,
    any_,
    bindparam,
    delete,
    select,
)
from sqlalchemy.orm import Session

from app.crypto.envelope import (
    SUITE_ID,
    CaseKey,
    unwrap_case_key,
    wrap_case_key,
)
from app.crypto.errors import CryptoError
from app.crypto.keys import PrivateKey, fingerprint, load_public_key
from app.errors import Invalid, NotFound
from app.models import (
    Attachment,
    Case,
    CaseNote,
    ExternalReferral,
    KeyWrap,
    MeetingMinutes,
    Message,
    MinutesVersion,
    Receipt,
    ReporterSession,
    User,
    utcnow,
)
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import AuditAction

RECOVERY = "recovery"


class NoAccess(NotFound):
    """This person holds no usable key for this case."""

    area = "custody"
    default_code = "no_access"


class CustodyError(Invalid, ValueError):
    """A grant that can not be made (str() is a reason code)."""

    area = "custody"


def recipient_for(user: User) -> str:
    return f"user:{user.id}"


def _put_wrap(session: Session, case: Case, recipient: str, blob: bytes, key_fp: str,
              user: User | None, granted_by: User | None) -> KeyWrap:
    wrap = session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.recipient == recipient)
    )
    if wrap is None:
        wrap = KeyWrap(case_id=case.id, recipient=recipient)
        session.add(wrap)
    wrap.user_id = user.id if user else None
    wrap.suite_id = SUITE_ID
    wrap.key_fingerprint = key_fp
    wrap.wrapped_key = blob
    wrap.granted_by_id = granted_by.id if granted_by else None
    wrap.granted_at = utcnow()
    return wrap


def wrap_for_user(session: Session, case: Case, key: CaseKey, user: User,
                  granted_by: User | None = None) -> KeyWrap:
    if not user.may_hold_cases or not user.active:
        raise CustodyError("not_a_handler")
    if user.public_key is None or user.key_fingerprint is None:
        raise CustodyError("no_key_yet")
    blob = wrap_case_key(key, load_public_key(user.public_key), case_id=case.number,
                         recipient=recipient_for(user))
    return _put_wrap(session, case, recipient_for(user), blob, user.key_fingerprint, user,
                     granted_by)


def wrap_for_recovery(session: Session, case: Case, key: CaseKey,
                      recovery_public: bytes) -> KeyWrap:
    blob = wrap_case_key(key, load_public_key(recovery_public), case_id=case.number,
                         recipient=RECOVERY)
    return _put_wrap(session, case, RECOVERY, blob, fingerprint(recovery_public), None, None)


def current_wrap(session: Session, case: Case, user: User) -> KeyWrap | None:
    """The user's wrap for this case if it is to their current key."""
    wrap = session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.user_id == user.id)
    )
    if wrap is None or user.key_fingerprint is None or wrap.key_fingerprint != user.key_fingerprint:
        return None
    return wrap


def holds(session: Session, case: Case, user: User) -> bool:
    """Whether the user is a holder of the case (possibly with a stale wrap)."""
    return session.scalar(
        select(KeyWrap.id).where(KeyWrap.case_id == case.id, KeyWrap.user_id == user.id)
    ) is not None


def open_case_key(session: Session, case: Case, user: User,
                  private_key: PrivateKey | None) -> CaseKey:
    if case.shredded_at is not None or private_key is None or not user.may_hold_cases:
        raise NoAccess
    wrap = current_wrap(session, case, user)
    if wrap is None:
        raise NoAccess
    try:
        return unwrap_case_key(wrap.wrapped_key, private_key, case_id=case.number,
                               recipient=recipient_for(user), suite_id=wrap.suite_id)
    except CryptoError as exc:
        raise NoAccess from exc


def open_with_recovery_key(session: Session, case: Case, recovery_private: PrivateKey) -> CaseKey:
    wrap = session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.recipient == RECOVERY)
    )
    if wrap is None:
        raise NoAccess
    try:
        return unwrap_case_key(wrap.wrapped_key, recovery_private, case_id=case.number,
                               recipient=RECOVERY, suite_id=wrap.suite_id)
    except CryptoError as exc:
        raise NoAccess from exc


def grant(session: Session, rt: Runtime, case: Case, actor: User, actor_key: PrivateKey | None,
          target: User, action: AuditAction = AuditAction.CASE_GRANT) -> KeyWrap:
    """A current holder gives `target` access (routing, transfer, re-grant)."""
    key = open_case_key(session, case, actor, actor_key)
    wrap = wrap_for_user(session, case, key, target, granted_by=actor)
    rt.audit.record(session, actor=recipient_for(actor), action=action, object_type="case",
                    object_id=case.number)
    return wrap


@transactional
def regrant(session: Session, rt: Runtime, case: Case, actor: User,
            actor_key: PrivateKey | None, target: User) -> KeyWrap:
    """A holder restores a colleague's access after the colleague's key
    changed (see grant). Owns its transaction."""
    return grant(session, rt, case, actor, actor_key, target, action=AuditAction.CASE_REGRANT)


def cases_awaiting_regrant(session: Session, user: User) -> list[Case]:
    """Cases this user held under a key they no longer have (after a reset)."""
    rows = session.scalars(
        select(Case).join(KeyWrap, KeyWrap.case_id == Case.id)
        .where(KeyWrap.user_id == user.id, Case.shredded_at.is_(None))
        .order_by(Case.received_at)
    ).all()
    return [case for case in rows if current_wrap(session, case, user) is None]


def regrants_i_can_give(session: Session, holder: User) -> list[tuple[Case, User]]:
    """(case, colleague) pairs where the holder can re-grant a colleague's stale wrap."""
    mine = select(KeyWrap.case_id).where(
        KeyWrap.user_id == holder.id, KeyWrap.key_fingerprint == holder.key_fingerprint
    )
    rows = session.execute(
        select(Case, User).join(KeyWrap, KeyWrap.case_id == Case.id)
        .join(User, User.id == KeyWrap.user_id)
        .where(
            Case.id.in_(mine), User.id != holder.id, User.public_key.is_not(None),
            User.active, KeyWrap.key_fingerprint != User.key_fingerprint,
        )
        .order_by(Case.received_at)
    ).all()
    return [(case, user) for case, user in rows]


@transactional
def recover_access(session: Session, rt: Runtime, case: Case, recovery_private: PrivateKey,
                   target: User) -> KeyWrap:
    """Re-grant a case with the offline recovery key (`meldpunt keys recover`).
    Owns its transaction."""
    key = open_with_recovery_key(session, case, recovery_private)
    wrap = wrap_for_user(session, case, key, target)
    rt.audit.record(session, actor="system", action=AuditAction.KEYS_RECOVERY_REGRANT,
                    object_type="case",
                    object_id=case.number, origin="cli")
    return wrap


def rewrap_all_for_recovery(session: Session, old_private: PrivateKey, new_public: bytes) -> int:
    """Rotation: every case's recovery wrap moves to the new recovery key."""
    count = 0
    cases = session.scalars(select(Case).where(Case.shredded_at.is_(None))).all()
    for case in cases:
        key = open_with_recovery_key(session, case, old_private)
        wrap_for_recovery(session, case, key, new_public)
        count += 1
    return count


@transactional
def rotate_recovery_key(session: Session, rt: Runtime, old_private: PrivateKey,
                        new_public: bytes, keep_new_private: Callable[[], None]) -> int:
    """Move every case's recovery wrap to a new recovery key, audit-logged.
    `keep_new_private` (which writes the new private half away) runs before
    the commit, so the wraps never move to a key whose private half was not
    kept. Owns its transaction."""
    count = rewrap_all_for_recovery(session, old_private, new_public)
    keep_new_private()
    rt.audit.record(session, actor="system", action=AuditAction.KEYS_RECOVERY_ROTATED,
                    object_type="key", object_id=fingerprint(new_public)[:16], origin="cli")
    return count


# Every table that holds ciphertext under a case key, or a way to it. The
# ExternalReferral row keeps who/when; its package ciphertext goes with it.
# Minutes versions (text, corrections) go before the minutes they belong to.
KEY_MATERIAL_TABLES = (KeyWrap, Receipt, Attachment, Message, CaseNote, ExternalReferral,
                       ReporterSession, MinutesVersion, MeetingMinutes)


def destroy_key_material(session: Session, case_ids: list[int]) -> list[str]:
    """Delete every wrap, receipt, mailbox session, file key and content row of
    these cases, in the caller's transaction. Returns the ids of their files,
    to be removed with `delete_files` once the transaction has committed, so a
    failed transaction leaves the cases intact (a file left by a crash has no
    key any more and the retention sweep removes it)."""
    if not case_ids:
        return []
    file_ids = list(session.scalars(
        select(Attachment.file_id).where(ids_in(session, Attachment.case_id, case_ids))))
    for model in KEY_MATERIAL_TABLES:
        session.execute(delete(model).where(ids_in(session, model.case_id, case_ids)),
                        execution_options={"synchronize_session": False})
    return file_ids


def ids_in(session: Session, column: SQLColumnExpression[int],
           ids: list[int]) -> ColumnElement[bool]:
    """`column IN ids`. On PostgreSQL one array parameter (`= ANY`): an IN
    list of a retention batch (hundreds of ids) costs more to render and
    parse than the delete costs to run."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def shred_case(session: Session, rt: Runtime, case: Case, actor: str = "system",
               origin: str = "job") -> list[str]:
    """Crypto-shred one case but keep its row: the clear metadata that
    statistics need stays. Safe to run twice. Returns the file ids for
    `delete_files` (see `destroy_key_material`)."""
    file_ids = destroy_key_material(session, [case.id])
    case.report_ciphertext = None
    case.identity_ciphertext = None
    case.legal_hold_reason_ciphertext = None
    case.shredded_at = case.shredded_at or utcnow()
    rt.audit.record(session, actor=actor, action=AuditAction.CASE_SHREDDED, object_type="case",
                    object_id=case.number, origin=origin)
    session.flush()
    return file_ids


def delete_files(rt: Runtime, file_ids: list[str]) -> None:
    for file_id in file_ids:
        rt.files.delete(file_id)

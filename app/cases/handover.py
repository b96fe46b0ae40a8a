"""Never strand a case: a holder hands a case to a colleague, an admin sees
the open cases of a holder before deactivating them, the ICC sees the cases
no active holder can open any more and asks for them to be re-granted, and
a recovery-key ceremony re-grants every requested case at once.

A handover is key custody, done with custody's own functions: the holder's
keys are opened (`open_case_key`), the colleague is made a holder from them
(`grant`, which wraps what the colleague's role may hold, as far as the
holder holds it), and the holder's wraps are deleted (`remove_holders`,
which moves what they held to a new key generation): nothing written
afterwards opens with the old holder's key. The reason goes into the case
file as a note (encrypted like every note); the audit log names the case
and, in a second entry, the colleague.

A stranded case has no holder who is active and holds it under the key they
have now (they left, or their password was reset). Nobody online can open
it; the offline recovery key can (app/cases/recovery.py). The ICC asks for
it — which case, to whom, why (a code) — and the holders of the recovery key
fulfil the requests in one ceremony (`meldpunt keys regrant-requested`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from app.cases import conflicts, custody, recovery
from app.cases.access import CaseNotFound
from app.cases.content import writer_role
from app.cases.notes import add_note
from app.crypto.keys import PrivateKey
from app.errors import DomainError, Invalid
from app.models import Case, KeyWrap, RegrantRequest, User, utcnow
from app.runtime import Runtime
from app.transactions import transactional, unit_of_work
from app.vocabulary import AuditAction, RegrantReason, Role, State, Track

MAX_REASON = 2000
STRANDED_SHOWN = 200

_COORDINATORS = frozenset({Role.IC, Role.ICC})


class HandoverError(Invalid):
    """A handover or re-grant request that can not be made (str() is a
    reason code)."""

    area = "handover"


class NotStranded(HandoverError):
    """The case has an active holder: they can hand it over or re-grant it."""

    default_code = "not_stranded"


# --- who may receive a case --------------------------------------------------------


def desk_roles(case: Case) -> frozenset[Role]:
    """The roles whose desk the case is on now (for a closed case: the
    track's)."""
    if case.state in (State.RECEIVED, State.ACKNOWLEDGED):
        return frozenset({Role.VP}) if case.track == Track.ADVICE else frozenset({Role.INTAKE})
    if case.state == State.WITH_VP or (case.state == State.CLOSED
                                       and case.track == Track.ADVICE):
        return frozenset({Role.VP})
    return _COORDINATORS


def _receives_as(case: Case, target: User, roles: frozenset[Role],
                 bureau_id: int | None = None) -> bool:
    """Whether `target` would hold the case in one of `roles`: an integrity
    coordinator only of the case's own unit (the ICC of any), an
    investigator only of the same bureau."""
    if not target.active or not target.may_hold_cases or target.public_key is None:
        return False
    role = writer_role(case.state, case.track, target.roles)
    if role is None or role not in roles:
        return False
    if role is Role.IC and target.unit_id != case.unit_id:
        return False
    return role is not Role.EXTERNAL or target.unit_id == bureau_id


def _same_desk(role: Role) -> frozenset[Role]:
    return _COORDINATORS if role in _COORDINATORS else frozenset({role})


def colleagues(session: Session, case: Case, actor: User) -> list[User]:
    """Who `actor` may hand this case to: active colleagues with a key, in
    the role the actor holds it in (an IC: an IC of the case's unit or the
    ICC), not restricted from the case."""
    role = custody.holding_role(actor, case)
    if role is None:
        return []
    candidates = session.scalars(
        select(User).where(User.active, User.id != actor.id, User.public_key.is_not(None))
        .order_by(User.display_name, User.id)).all()
    return [user for user in candidates
            if _receives_as(case, user, _same_desk(role), actor.unit_id)
            and not conflicts.is_restricted(session, case, user)]


def current_holders(session: Session, case: Case) -> list[User]:
    """The active colleagues who hold the case under the key they have now."""
    return list(session.scalars(
        select(User).join(KeyWrap, KeyWrap.user_id == User.id)
        .where(KeyWrap.case_id == case.id, User.active,
               User.key_fingerprint == KeyWrap.key_fingerprint)
        .order_by(User.display_name, User.id)))


# --- handing over -----------------------------------------------------------------------


@transactional
def hand_over(session: Session, rt: Runtime, case: Case, actor: User,
              actor_key: PrivateKey | None, target: User, reason: str) -> None:
    """`actor` hands `case` to `target`: the target holds what their role
    may hold, the actor holds nothing of it any more. Owns its transaction.

    Raises custody.NoAccess when the actor does not hold the case (or is
    restricted from it), HandoverError when the target is not a colleague
    who may receive it or no reason is given."""
    reason = reason.strip()[:MAX_REASON]
    if conflicts.is_restricted(session, case, actor) or case.shredded_at is not None:
        raise custody.NoAccess
    keys = custody.open_case_key(session, case, actor, actor_key)
    if not reason:
        raise HandoverError("no_reason")
    if target.id == actor.id:
        raise HandoverError("same_person")
    if case.state == State.CLOSED:
        raise HandoverError("closed")
    role = custody.holding_role(actor, case)
    if role is None or not _receives_as(case, target, _same_desk(role), actor.unit_id):
        raise HandoverError("not_a_colleague", name=target.display_name)
    if conflicts.is_restricted(session, case, target):
        raise HandoverError("target_restricted", name=target.display_name)
    visibility = "referral" if role is Role.EXTERNAL else "internal"
    add_note(session, rt, case, keys, actor, f"[handover] {target.display_name}: {reason}",
             visibility)
    try:
        custody.grant(session, rt, case, actor, actor_key, target,
                      action=AuditAction.CASE_HANDOVER)
    except custody.CustodyError as error:
        raise HandoverError(error.code, name=target.display_name) from error
    # The grant's entry (`case.handover`) names the colleague as its target.
    if role is Role.VP and case.counsellor_id == actor.id:
        # The VP annual report counts per counsellor: the colleague is it now.
        case.counsellor_id = target.id
    own = session.scalars(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                KeyWrap.user_id == actor.id)).all()
    custody.remove_holders(session, rt, case, own)


def colleagues_in_my_roles(session: Session, actor: User) -> list[User]:
    """Active colleagues with a key who share a handler role with `actor`
    (the page that hands several cases over at once; each case is still
    checked on its own by `hand_over`)."""
    mine = actor.roles & frozenset({Role.INTAKE, Role.VP, Role.IC, Role.ICC, Role.EXTERNAL})
    if mine & _COORDINATORS:
        mine |= _COORDINATORS
    users = session.scalars(select(User).where(User.active, User.id != actor.id,
                                               User.public_key.is_not(None))
                            .order_by(User.display_name, User.id)).all()
    return [user for user in users if user.roles & mine]


def hand_over_many(session: Session, rt: Runtime, actor: User, actor_key: PrivateKey | None,
                   numbers: list[str], target: User, reason: str
                   ) -> list[tuple[str, DomainError | None]]:
    """Hand several cases to one colleague, each in its own transaction
    (`hand_over`). Returns (number, None) for each case handed over and
    (number, why not) for each that was not."""
    results: list[tuple[str, DomainError | None]] = []
    for number in dict.fromkeys(numbers):
        case = session.scalar(select(Case).where(Case.number == number))
        try:
            if case is None:
                raise custody.NoAccess
            hand_over(session, rt, case, actor, actor_key, target, reason)
        except (custody.NoAccess, HandoverError) as error:
            results.append((number, error))
        else:
            results.append((number, None))
    return results


# --- before deactivating a holder ----------------------------------------------------------


def _usable_holder(*, besides: int | None = None) -> ColumnElement[bool]:
    """EXISTS: an active user holds the case (Case.id of the outer query)
    under the key they have now."""
    condition = and_(KeyWrap.case_id == Case.id, User.active,
                     User.key_fingerprint == KeyWrap.key_fingerprint)
    if besides is not None:
        condition = and_(condition, User.id != besides)
    return exists(select(KeyWrap.id).join(User, User.id == KeyWrap.user_id).where(condition))


@dataclass(frozen=True)
class HeldCase:
    case: Case
    # Another active colleague holds it too: deactivating strands nothing.
    shared: bool


def open_cases_of(session: Session, user: User) -> list[HeldCase]:
    """The open cases `user` holds, oldest first, each saying whether a
    colleague holds it too (clear metadata only)."""
    rows = session.execute(
        select(Case, _usable_holder(besides=user.id))
        .where(Case.id.in_(select(KeyWrap.case_id).where(KeyWrap.user_id == user.id)),
               Case.state != State.CLOSED, Case.shredded_at.is_(None))
        .order_by(Case.received_at, Case.id)).all()
    return [HeldCase(case=case, shared=bool(shared)) for case, shared in rows]


# --- stranded cases and re-grant requests ------------------------------------------------------


@dataclass(frozen=True)
class StrandedCase:
    case: Case
    # Who held it: (name, active) — inactive, or active under an old key.
    former: list[tuple[str, bool]] = field(default_factory=list)
    # Open requests: (colleague's name, reason code, when).
    requested: list[tuple[str, str, datetime]] = field(default_factory=list)


def stranded_condition() -> ColumnElement[bool]:
    return and_(Case.shredded_at.is_(None), Case.state != State.CLOSED,
                ~_usable_holder())


def count_stranded(session: Session) -> int:
    return session.scalar(select(func.count(Case.id)).where(stranded_condition())) or 0


def stranded_cases(session: Session, limit: int = STRANDED_SHOWN) -> list[StrandedCase]:
    """Open cases no active holder can open (oldest first): what the ICC
    sees. Metadata, former holders and open requests only."""
    cases = session.scalars(select(Case).where(stranded_condition())
                            .order_by(Case.received_at, Case.id).limit(limit)).all()
    ids = [case.id for case in cases]
    former: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    for case_id, name, active in session.execute(
            select(KeyWrap.case_id, User.display_name, User.active)
            .join(User, User.id == KeyWrap.user_id).where(KeyWrap.case_id.in_(ids or [-1]))
            .order_by(User.display_name)):
        former[case_id].append((name, bool(active)))
    requested: dict[int, list[tuple[str, str, datetime]]] = {i: [] for i in ids}
    for request, name in session.execute(
            select(RegrantRequest, User.display_name)
            .join(User, User.id == RegrantRequest.target_id)
            .where(RegrantRequest.case_id.in_(ids or [-1]), RegrantRequest.done_at.is_(None))
            .order_by(RegrantRequest.id)):
        requested[request.case_id].append((name, request.reason, request.requested_at))
    return [StrandedCase(case=case, former=former[case.id], requested=requested[case.id])
            for case in cases]


def is_stranded(session: Session, case: Case) -> bool:
    return session.scalar(select(Case.id).where(Case.id == case.id,
                                                stranded_condition())) is not None


def regrant_candidates(session: Session, case: Case) -> list[User]:
    """Who a stranded case may be re-granted to: active colleagues with a
    key whose desk it is on, not restricted from it."""
    users = session.scalars(select(User).where(User.active, User.public_key.is_not(None))
                            .order_by(User.display_name, User.id)).all()
    return [user for user in users if _receives_as(case, user, desk_roles(case))
            and not conflicts.is_restricted(session, case, user)]


@transactional
def request_regrant(session: Session, rt: Runtime, requester: User, case: Case, target: User,
                    reason: str) -> RegrantRequest:
    """The ICC asks for a stranded case to be re-granted to `target` with
    the recovery key. Owns its transaction."""
    if not requester.has_role(Role.ICC) or case.shredded_at is not None:
        raise CaseNotFound
    if reason not in tuple(RegrantReason):
        raise HandoverError("invalid_reason")
    if not is_stranded(session, case):
        raise NotStranded
    if (not _receives_as(case, target, desk_roles(case))
            or conflicts.is_restricted(session, case, target)):
        raise HandoverError("not_a_colleague", name=target.display_name)
    existing = session.scalar(select(RegrantRequest).where(
        RegrantRequest.case_id == case.id, RegrantRequest.target_id == target.id,
        RegrantRequest.done_at.is_(None)))
    if existing is not None:
        return existing
    row = RegrantRequest(case_id=case.id, target_id=target.id, requested_by_id=requester.id,
                         reason=reason)
    session.add(row)
    rt.audit.record(session, actor=custody.recipient_for(requester),
                    action=AuditAction.CASE_REGRANT_REQUESTED, object_type="case",
                    object_id=case.number)
    return row


def open_requests(session: Session) -> list[tuple[RegrantRequest, Case, User]]:
    return [(request, case, user) for request, case, user in session.execute(
        select(RegrantRequest, Case, User)
        .join(Case, Case.id == RegrantRequest.case_id)
        .join(User, User.id == RegrantRequest.target_id)
        .where(RegrantRequest.done_at.is_(None))
        .order_by(RegrantRequest.id))]


@dataclass(frozen=True)
class Fulfilled:
    number: str
    email: str
    # None: re-granted; otherwise why not (a reason code).
    refused: str | None = None


def fulfil_requests(session: Session, rt: Runtime,
                    recovery_private: PrivateKey) -> list[Fulfilled]:
    """The recovery-key ceremony: every open request is re-granted with the
    recovery key (recovery.recover_access), one transaction per case, each
    audit-logged. A request whose colleague can no longer receive the case
    (deactivated, no key, restricted) stays open and is reported."""
    results = []
    for request, case, target in open_requests(session):
        number, email = case.number, target.email
        if case.shredded_at is not None:
            refused: str | None = "shredded"
        elif (not _receives_as(case, target, desk_roles(case))
              or conflicts.is_restricted(session, case, target)):
            refused = "not_a_colleague"
        else:
            refused = None
        if refused is None:
            try:
                with unit_of_work(session):
                    recovery.recover_access(session, rt, case, recovery_private, target)
                    request.done_at = utcnow()
            except (custody.NoAccess, custody.CustodyError) as error:
                refused = getattr(error, "code", "no_access")
        results.append(Fulfilled(number=number, email=email, refused=refused))
    return results

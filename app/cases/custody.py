"""Key custody: who holds which compartments of a case.

A case's content is split into compartments (app/crypto/compartments.py),
each under its own key and key generation. A holder — a staff member, the
reporter (through the key pair under their receipt code) or the recovery key
— has one KeyWrap row and, under it, one CompartmentWrap per compartment and
generation they may open. Which compartments a holder gets is decided here
and nowhere else (`ROLE_COMPARTMENTS`, identity consent), and a grant can
only pass on what the granting holder opened itself.

Removing a holder deletes their wraps and moves every compartment they held
to a new generation, wrapped to the holders that remain (their public keys
suffice, nobody's private key is needed), so nothing written afterwards
opens with the removed holder's keys. Shredding deletes every wrap and file
key, after which the ciphertext is noise — also in backups.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Session, load_only

from app.accounts import trust
from app.cases import seals
from app.cases.person_data import destroy_person_data
from app.cases.seals import ids_in
from app.crypto import secretbox
from app.crypto.compartments import (
    BASE_COMPARTMENTS,
    CASEFILE,
    CONVERSATION,
    IDENTITY,
    REPORT,
    CaseKeys,
    new_compartment_key,
    unwrap_key,
    wrap_key,
)
from app.crypto.envelope import SUITE_ID
from app.crypto.errors import CryptoError
from app.crypto.keys import (
    PrivateKey,
    fingerprint,
    generate_keypair,
    load_public_key,
    public_key_bytes,
)
from app.errors import Invalid, NotFound
from app.models import (
    Attachment,
    Case,
    CaseNote,
    CompartmentWrap,
    ExternalReferral,
    IdentityConsent,
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
from app.vocabulary import HANDLER_ROLES, AuditAction, Role

RECOVERY = "recovery"
REPORTER = "reporter"

# What each role may hold of a case. Identity goes to a role only with the
# reporter's consent that names it (`IDENTITY_CONSENT`), or, for the
# vertrouwenspersoon, because the reporter came to them; the external bureau
# holds nothing of the case itself, only its referral compartment.
ROLE_COMPARTMENTS: dict[Role, frozenset[str]] = {
    Role.INTAKE: frozenset({REPORT, CONVERSATION, CASEFILE}),
    Role.VP: frozenset({REPORT, IDENTITY, CONVERSATION, CASEFILE}),
    Role.IC: frozenset({REPORT, CONVERSATION, CASEFILE}),
    Role.ICC: frozenset({REPORT, CONVERSATION, CASEFILE}),
    Role.EXTERNAL: frozenset(),
}
REPORTER_COMPARTMENTS = frozenset({REPORT, IDENTITY, CONVERSATION})
# The consent (IdentityConsent.recipient) that lets a role hold the identity.
IDENTITY_CONSENT = {Role.IC: "ic", Role.ICC: "ic"}


def bureau_consent(bureau_id: int) -> str:
    return f"bureau:{bureau_id}"


class NoAccess(NotFound):
    """This person holds no usable key for this case."""

    area = "custody"
    default_code = "no_access"


class CustodyError(Invalid, ValueError):
    """A grant that can not be made (str() is a reason code)."""

    area = "custody"


def recipient_for(user: User) -> str:
    return f"user:{user.id}"


# --- consent ------------------------------------------------------------------------


def consent_stands(session: Session, case: Case, recipient: str) -> bool:
    return session.scalar(
        select(IdentityConsent.id).where(IdentityConsent.case_id == case.id,
                                         IdentityConsent.recipient == recipient,
                                         IdentityConsent.withdrawn_at.is_(None)).limit(1)
    ) is not None


def compartments_for(session: Session, case: Case, role: Role) -> frozenset[str]:
    """What a holder in this role may hold of this case now."""
    allowed = ROLE_COMPARTMENTS.get(role, frozenset())
    consent = IDENTITY_CONSENT.get(role)
    if consent is not None and consent_stands(session, case, consent):
        allowed |= {IDENTITY}
    return allowed


def holding_role(user: User, case: Case) -> Role | None:
    """The role a handler holds this case in: their only handler role, or —
    holding several — the one whose desk the case is on."""
    from app.cases.content import writer_role  # the desk order lives there

    return writer_role(case.state, case.track, user.roles)


# --- holders and their wraps --------------------------------------------------------


def _holder(session: Session, case: Case, recipient: str, key_fp: str, user: User | None,
            granted_by: User | None, *, fresh: bool = False) -> KeyWrap:
    """The holder's row, made if new; a row for an older key of theirs loses
    its compartment wraps (they were made for a key that is gone). `fresh`:
    the case is being made in this transaction and this recipient holds
    nothing yet (no query)."""
    wrap = None if fresh else session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.recipient == recipient)
    )
    if wrap is None:
        wrap = KeyWrap(case_id=case.id, recipient=recipient, keys=[])
        session.add(wrap)
    elif wrap.key_fingerprint != key_fp:
        wrap.keys.clear()
        session.flush()  # the old key's wraps go before new ones of the same generation
    wrap.user_id = user.id if user else None
    wrap.suite_id = SUITE_ID
    wrap.key_fingerprint = key_fp
    wrap.wrapped_key = None
    wrap.seal_day = None
    wrap.granted_by_id = granted_by.id if granted_by else None
    wrap.granted_at = utcnow()
    return wrap


def _put_keys(session: Session, rt: Runtime, case: Case, holder: KeyWrap, public: bytes,
              keys: CaseKeys, compartments: Iterable[str]) -> None:
    """Wrap every generation held of these compartments to the holder (the
    ones they have already stay as they are), sealed to the case's day of
    the erasure ratchet (app/cases/seals.py)."""
    have = {(k.compartment, k.generation) for k in holder.keys}
    wanted = set(compartments)
    public_key = load_public_key(public)
    days: seals.DayKeys | None = None
    day = None
    for compartment, generation, raw in keys.items():
        if compartment not in wanted or (compartment, generation) in have:
            continue
        if days is None or day is None:
            days = seals.day_keys(rt)
            day = seals.day_for(session, rt, days, case)
        wrapped = wrap_key(raw, public_key, case_id=case.number, recipient=holder.recipient,
                           compartment=compartment, generation=generation)
        holder.keys.append(CompartmentWrap(
            case_id=case.id, compartment=compartment, generation=generation, seal_day=day,
            wrapped_key=seals.seal(days, wrapped, kind=seals.COMPARTMENT_WRAP, day=day)))


def may_hold(session: Session, case: Case, user: User, role: Role, compartment: str) -> bool:
    """Whether `user`, holding the case as `role`, may hold this compartment:
    their role's compartments (identity with consent), their own personal
    notes, and a referral's compartment as the integrity coordinator or as
    the bureau it was referred to."""
    kind, _, ref = compartment.partition(":")
    if not ref:
        return compartment in compartments_for(session, case, role)
    if kind == "personal":
        return ref == str(user.id)
    if kind == "referral" and ref.isdigit():
        if role in (Role.IC, Role.ICC):
            return True
        referral = session.get(ExternalReferral, int(ref))
        return (role is Role.EXTERNAL and referral is not None and referral.case_id == case.id
                and referral.bureau_id == user.unit_id and referral.ended_at is None)
    return False


def wrap_for_user(session: Session, rt: Runtime, case: Case, keys: CaseKeys, user: User,
                  granted_by: User | None = None, *, role: Role | None = None,
                  compartments: Iterable[str] | None = None,
                  action: AuditAction = AuditAction.CASE_GRANT, actor: str | None = None,
                  origin: str = "web", log: bool = True, fresh: bool = False) -> KeyWrap:
    """Make `user` a holder of what they may hold (`may_hold`) of what
    `keys` opens — or only of `compartments`, narrowed the same way — and
    log the grant with its recipient (unless the caller's own entry names
    the recipient: `log=False`). Only to a key whose endorsement
    verifies up to the trust anchor (app/accounts/trust.py): a key that a
    database writer put in the user's row, or a revoked one, gets nothing."""
    if not user.may_hold_cases or not user.active:
        raise CustodyError("not_a_handler")
    if user.public_key is None or user.key_fingerprint is None:
        raise CustodyError("no_key_yet")
    role = role or holding_role(user, case)
    if role is None or role not in user.roles or role not in HANDLER_ROLES:
        raise CustodyError("not_a_handler")
    if not trust.endorsed(session, rt, user, role):
        raise CustodyError("not_endorsed")
    offered = keys.compartments() if compartments is None else set(compartments)
    allowed = {c for c in offered if may_hold(session, case, user, role, c)}
    holder = _holder(session, case, recipient_for(user), fingerprint(user.public_key), user,
                     granted_by, fresh=fresh)
    _put_keys(session, rt, case, holder, user.public_key, keys, allowed)
    if log:
        rt.audit.record(session,
                        actor=actor or (recipient_for(granted_by) if granted_by else "system"),
                        action=action, object_type="case", object_id=case.number,
                        target=recipient_for(user), origin=origin)
    return holder


def wrap_for_recovery(session: Session, rt: Runtime, case: Case, keys: CaseKeys,
                      recovery_public: bytes, *, fresh: bool = False) -> KeyWrap:
    """The recovery key holds every compartment of every case."""
    holder = _holder(session, case, RECOVERY, fingerprint(recovery_public), None, None,
                     fresh=fresh)
    _put_keys(session, rt, case, holder, recovery_public, keys, keys.compartments())
    return holder


def wrap_for_reporter(session: Session, rt: Runtime, case: Case, keys: CaseKeys,
                      public: bytes) -> KeyWrap:
    holder = _holder(session, case, REPORTER, fingerprint(public), None, None)
    _put_keys(session, rt, case, holder, public, keys, REPORTER_COMPARTMENTS)
    return holder


def _reporter_key_aad(case: Case) -> bytes:
    return b"meldpunt-reporter-key-v1\0" + case.number.encode()


def issue_reporter_keys(session: Session, rt: Runtime, case: Case, receipt: Receipt,
                        kek: bytes, keys: CaseKeys) -> PrivateKey:
    """A fresh key pair for the reporter on this receipt: the private half
    sealed under the key derived from the code (and to the case's day of the
    erasure ratchet), the reporter's compartments wrapped to the public half
    (an older key pair's wraps are replaced)."""
    private = generate_keypair()
    receipt.public_key = public_key_bytes(private)
    sealed = secretbox.seal(kek, private.raw(), _reporter_key_aad(case))
    days = seals.day_keys(rt)
    if receipt.seal_day is not None and (receipt.wrapped_key is not None
                                         or receipt.bridge_ciphertext is not None):
        day = receipt.seal_day  # the old wrap and bridge stay sealed to theirs
    else:
        day = receipt.seal_day = seals.day_for(session, rt, days, case)
    receipt.private_key_ciphertext = seals.seal(days, sealed, kind=seals.RECEIPT_PRIVATE_KEY,
                                                day=day)
    wrap_for_reporter(session, rt, case, keys, receipt.public_key)
    return private


def open_reporter_key(receipt: Receipt, case: Case, kek: bytes) -> PrivateKey:
    if receipt.private_key_ciphertext is None:
        raise CryptoError("receipt from before compartments")
    sealed = seals.unseal(seals.day_keys_of(receipt), receipt.private_key_ciphertext,
                          kind=seals.RECEIPT_PRIVATE_KEY, day=receipt.seal_day)
    return PrivateKey.from_raw(secretbox.open_sealed(kek, sealed, _reporter_key_aad(case)))


def new_case_keys(case: Case) -> CaseKeys:
    """Generation 1 of every base compartment of a new case."""
    keys = CaseKeys(case.number)
    for compartment in BASE_COMPARTMENTS:
        keys.add(compartment, 1, new_compartment_key())
    return keys


def open_compartment(session: Session, rt: Runtime, case: Case, keys: CaseKeys,
                     compartment: str, holders: Iterable[User]) -> None:
    """A new compartment (personal:<user>, referral:<id>): its first key,
    wrapped to these holders and the recovery key, and added to `keys`."""
    if keys.has(compartment):
        return
    keys.add(compartment, 1, new_compartment_key())
    only = keys.only([compartment])
    for user in holders:
        role = holding_role(user, case)
        if user.public_key is None or role is None or not trust.endorsed(session, rt, user,
                                                                           role):
            continue
        holder = _holder_row(session, case, user)
        if holder is None:
            holder = _holder(session, case, recipient_for(user), fingerprint(user.public_key),
                             user, None)
        _put_keys(session, rt, case, holder, user.public_key, only, [compartment])
    wrap_for_recovery(session, rt, case, only, rt.keyring.recovery_public)


def _holder_row(session: Session, case: Case, user: User) -> KeyWrap | None:
    return session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.user_id == user.id))


def current_wrap(session: Session, case: Case, user: User) -> KeyWrap | None:
    """The user's wrap for this case if it is to their current key."""
    wrap = _holder_row(session, case, user)
    if wrap is None or user.key_fingerprint is None or wrap.key_fingerprint != user.key_fingerprint:
        return None
    return wrap


def holds(session: Session, case: Case, user: User) -> bool:
    """Whether the user is a holder of the case (possibly with a stale wrap)."""
    return session.scalar(
        select(KeyWrap.id).where(KeyWrap.case_id == case.id, KeyWrap.user_id == user.id)
    ) is not None


def holds_compartment(session: Session, case: Case, user: User, compartment: str) -> bool:
    return session.scalar(
        select(CompartmentWrap.id).join(KeyWrap)
        .where(KeyWrap.case_id == case.id, KeyWrap.user_id == user.id,
               CompartmentWrap.compartment == compartment).limit(1)
    ) is not None


def open_holder(case: Case, holder: KeyWrap, private_key: PrivateKey) -> CaseKeys:
    """Every compartment key wrapped to this holder, unsealed with the
    erasure ratchet and unwrapped."""
    keys = CaseKeys(case.number)
    days = seals.day_keys_of(holder)
    for wrapped in holder.keys:
        keys.add(wrapped.compartment, wrapped.generation, unwrap_key(
            seals.unseal(days, wrapped.wrapped_key, kind=seals.COMPARTMENT_WRAP,
                         day=wrapped.seal_day),
            private_key, case_id=case.number, recipient=holder.recipient,
            compartment=wrapped.compartment, generation=wrapped.generation,
            suite_id=holder.suite_id))
    return keys


def open_case_key(session: Session, case: Case, user: User,
                  private_key: PrivateKey | None) -> CaseKeys:
    """The compartments this staff member holds, opened. (A case from
    before compartments is moved first: app/cases/legacy.move_if_needed.)"""
    if case.shredded_at is not None or private_key is None or not user.may_hold_cases:
        raise NoAccess
    wrap = current_wrap(session, case, user)
    if wrap is None or wrap.wrapped_key is not None:
        raise NoAccess
    try:
        return open_holder(case, wrap, private_key)
    except CryptoError as exc:
        raise NoAccess from exc


def open_with_recovery_key(session: Session, case: Case, recovery_private: PrivateKey) -> CaseKeys:
    wrap = session.scalar(
        select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.recipient == RECOVERY)
    )
    if wrap is None:
        raise NoAccess
    try:
        return open_holder(case, wrap, recovery_private)
    except CryptoError as exc:
        raise NoAccess from exc


# --- removing holders: re-keying --------------------------------------------------


def current_generation(session: Session, case: Case, compartment: str) -> int:
    return session.scalar(
        select(func.max(CompartmentWrap.generation))
        .where(CompartmentWrap.case_id == case.id, CompartmentWrap.compartment == compartment)
    ) or 0


def _public_of(session: Session, rt: Runtime, holder: KeyWrap) -> bytes | None:
    """The public key a holder's wraps are made for, if it is still theirs."""
    public: bytes | None
    if holder.recipient == RECOVERY:
        public = rt.keyring.recovery_public
    elif holder.recipient == REPORTER:
        public = session.scalar(select(Receipt.public_key)
                                .where(Receipt.case_id == holder.case_id))
    else:
        # A staff member gets a new key generation only while their key is
        # endorsed: not after a revocation, whatever the row says.
        user = session.get(User, holder.user_id) if holder.user_id else None
        role = holding_role(user, session.get_one(Case, holder.case_id)) if user else None
        public = user.public_key if user is not None and role is not None and trust.endorsed(
            session, rt, user, role) else None
    if public is None or fingerprint(public) != holder.key_fingerprint:
        return None
    return public


def rekey(session: Session, rt: Runtime, case: Case, compartments: Iterable[str],
          keys: CaseKeys | None = None) -> None:
    """Move these compartments to a new generation, wrapped to every holder
    that holds them now. Old content stays under its old generation; what is
    written from now on goes under the new one. `keys` (the actor's, if they
    still hold the compartment) gets the new key too."""
    session.flush()
    for compartment in sorted(set(compartments)):
        holders = session.scalars(
            select(KeyWrap).where(KeyWrap.case_id == case.id, KeyWrap.id.in_(
                select(CompartmentWrap.key_wrap_id).where(
                    CompartmentWrap.case_id == case.id,
                    CompartmentWrap.compartment == compartment)))
        ).all()
        generation = current_generation(session, case, compartment) + 1
        fresh = CaseKeys(case.number, {(compartment, generation): new_compartment_key()})
        for holder in holders:
            public = _public_of(session, rt, holder)
            if public is not None:
                _put_keys(session, rt, case, holder, public, fresh, [compartment])
        if keys is not None and keys.has(compartment):
            keys.add(compartment, generation, fresh.key(compartment, generation))
    session.flush()


def remove_holders(session: Session, rt: Runtime, case: Case, holders: Iterable[KeyWrap],
                   keys: CaseKeys | None = None) -> None:
    """Delete these holders' wraps and re-key what they held."""
    held: set[str] = set()
    gone = False
    for holder in holders:
        held |= {k.compartment for k in holder.keys}
        session.delete(holder)
        gone = True
    if gone:
        rekey(session, rt, case, held, keys)


def remove_compartment(session: Session, rt: Runtime, case: Case, holders: Iterable[KeyWrap],
                       compartment: str, keys: CaseKeys | None = None) -> None:
    """Take one compartment from these holders (they keep the rest) and
    re-key it."""
    changed = False
    for holder in holders:
        for wrapped in [k for k in holder.keys if k.compartment == compartment]:
            holder.keys.remove(wrapped)
            changed = True
    if changed:
        rekey(session, rt, case, [compartment], keys)


def _user_holders(session: Session, case: Case) -> list[KeyWrap]:
    return list(session.scalars(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                      KeyWrap.user_id.is_not(None))).all())


def pass_identity(session: Session, rt: Runtime, case: Case, keys: CaseKeys) -> int:
    """Wrap the identity (every generation `keys` holds) to each staff holder
    whom standing consent now covers and who does not hold it yet. Returns
    how many got it."""
    if not keys.has(IDENTITY):
        return 0
    count = 0
    for holder in _user_holders(session, case):
        user = holder.user
        role = holding_role(user, case) if user is not None else None
        if (user is None or role is None or any(k.compartment == IDENTITY for k in holder.keys)
                or not may_hold(session, case, user, role, IDENTITY)):
            continue
        public = _public_of(session, rt, holder)
        if public is not None:
            _put_keys(session, rt, case, holder, public, keys, [IDENTITY])
            count += 1
    return count


def withhold_identity(session: Session, rt: Runtime, case: Case, recipient: str,
                      keys: CaseKeys | None = None) -> None:
    """Consent for `recipient` withdrawn: the holders it covered lose the
    identity and it moves to a new generation (they keep what they read
    before, nothing written afterwards opens for them)."""
    covered = []
    for holder in _user_holders(session, case):
        role = holding_role(holder.user, case) if holder.user is not None else None
        if role is not None and IDENTITY_CONSENT.get(role) == recipient:
            covered.append(holder)
    remove_compartment(session, rt, case, covered, IDENTITY, keys)


def grant(session: Session, rt: Runtime, case: Case, actor: User, actor_key: PrivateKey | None,
          target: User, action: AuditAction = AuditAction.CASE_GRANT) -> KeyWrap:
    """A current holder gives `target` access (routing, transfer, re-grant):
    what the target's role may hold, as far as the actor holds it."""
    keys = open_case_key(session, case, actor, actor_key)
    return wrap_for_user(session, rt, case, keys, target, granted_by=actor, action=action)


@transactional
def regrant(session: Session, rt: Runtime, case: Case, actor: User,
            actor_key: PrivateKey | None, target: User) -> KeyWrap:
    """A holder restores a colleague's access after the colleague's key
    changed (see grant). Owns its transaction."""
    return grant(session, rt, case, actor, actor_key, target, action=AuditAction.CASE_REGRANT)


def _stale_wraps(user: User) -> ColumnElement[bool]:
    """The user's wraps to any other key than their current one."""
    if user.key_fingerprint is None:
        return KeyWrap.user_id == user.id
    return and_(KeyWrap.user_id == user.id, KeyWrap.key_fingerprint != user.key_fingerprint)


def count_awaiting_regrant(session: Session, user: User) -> int:
    """How many cases `cases_awaiting_regrant` lists (the start page's count)."""
    return session.scalar(
        select(func.count(KeyWrap.id)).join(Case, Case.id == KeyWrap.case_id)
        .where(_stale_wraps(user), Case.shredded_at.is_(None))) or 0


def cases_awaiting_regrant(session: Session, user: User) -> list[Case]:
    """Cases this user held under a key they no longer have (after a reset):
    their wraps to any other key than their current one (`current_wrap`), in
    one query that reads the case numbers only - the staff start page asks
    it, and a query per held case took 13 s for an intake officer holding
    35,000 cases (benchmarks/queue_page.py data)."""
    return list(session.scalars(
        select(Case).options(load_only(Case.id, Case.number, Case.received_at))
        .join(KeyWrap, KeyWrap.case_id == Case.id)
        .where(_stale_wraps(user), Case.shredded_at.is_(None))
        .order_by(Case.received_at)
    ))


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


# Every table that holds ciphertext under a case key, or a way to it. The
# ExternalReferral row keeps who/when; its package ciphertext goes with it.
# Minutes versions (text, corrections) go before the minutes they belong to.
KEY_MATERIAL_TABLES = (CompartmentWrap, KeyWrap, IdentityConsent, Receipt, Attachment, Message,
                       CaseNote, ExternalReferral, ReporterSession, MinutesVersion,
                       MeetingMinutes)


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


def shred_case(session: Session, rt: Runtime, case: Case, actor: str = "system",
               origin: str = "job") -> list[str]:
    """Crypto-shred one case but keep its row: the clear metadata that
    statistics need stays. Safe to run twice. Returns the file ids for
    `delete_files` (see `destroy_key_material`)."""
    destroy_person_data(session, [case.id], rt.settings.zone)
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

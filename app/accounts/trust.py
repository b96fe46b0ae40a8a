"""Endorsed staff keys: no single insider adds a recipient of a case.

A case is wrapped only to a staff key whose endorsement verifies up to the
trust anchor in keys/ (`endorsed`). The first handlers are endorsed with
the anchor, whose private half is kept offline under two custodians'
passphrases (`meldpunt keys endorse`); later ones by an endorsed handler of
the same role or by an endorsed integrity coordinator-general (ICC), after
the two compared the new key's code out of band (`endorse`). The admin who
creates accounts holds no handler role, so no endorsed key, and can not
endorse anyone. Deactivation, a password reset and losing a role revoke:
a revocation signed with keys/revocation.key and appended to keys/revoked,
so a database writer who deletes the row or flips `active` back gains
nothing.

Every statement is signed; the rows only carry them. What a statement says
(whose key, which role, when) is read from the signed bytes, never from the
row's other columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.crypto import signing
from app.crypto.keys import PrivateKey, fingerprint, public_key_bytes
from app.errors import Invalid
from app.models import KeyEndorsement, KeyRevocation, User, UserRole, utcnow
from app.runtime import Runtime
from app.vocabulary import HANDLER_ROLES, AuditAction, Role

ANY_ROLE = "*"
MAX_CHAIN = 12
# What `endorsed` verified inside a `remembered` block (in session.info).
_VERIFIED = "meldpunt.trust.verified"


class EndorsementRefused(Invalid, ValueError):
    """An endorsement that can not be made; str() is the reason code."""

    area = "trust"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def signing_public_hex(private_key: PrivateKey) -> str:
    return signing.public_bytes(signing.signing_key_of(private_key)).hex()


def key_code(user: User) -> str | None:
    """The code of the key the database holds for this user (what the
    endorser sees)."""
    if user.public_key is None or not user.signing_public:
        return None
    return signing.key_code(user.public_key, bytes.fromhex(user.signing_public))


def own_key_code(private_key: PrivateKey) -> str:
    """The code of the user's own key, from the unlocked private key (what
    the new handler reads out): a public key swapped in the database shows
    a different code on the endorser's screen."""
    return signing.key_code(public_key_bytes(private_key),
                            signing.public_bytes(signing.signing_key_of(private_key)))


# --- verifying ----------------------------------------------------------------


@contextmanager
def remembered(session: Session) -> Iterator[None]:
    """Within the block, `endorsed` verifies each user, role and key once: a
    new case asks it for each first holder and again as each is wrapped
    (app/cases/custody.py wrap_for_user), two queries and a signature check
    or more each time. Forgotten when the block ends, and whenever an
    endorsement or a revocation is written in it."""
    session.info[_VERIFIED] = {}
    try:
        yield
    finally:
        session.info.pop(_VERIFIED, None)


def _forget(session: Session) -> None:
    if _VERIFIED in session.info:
        session.info[_VERIFIED] = {}


def _revocations(session: Session, rt: Runtime, user_id: int) -> list[tuple[str, str, str]]:
    """(key fingerprint, role or "*", at) of every valid revocation: signed
    rows in the database and lines in keys/revoked."""
    found: list[tuple[str, str, str]] = []
    server_key = signing.public_bytes(signing.signing_key_from_seed(rt.keyring.revocation_seed))
    for row in session.scalars(select(KeyRevocation).where(KeyRevocation.user_id == user_id)):
        fields = signing.read_statement(row.statement)
        if (fields.get("kind") == "revoke" and fields.get("user") == user_id
                and signing.verify(server_key, row.statement, row.signature)):
            found.append((str(fields.get("key")), str(fields.get("role")), str(fields.get("at"))))
    for line in rt.keyring.revoked_lines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == str(user_id):
            found.append((parts[1], parts[2], parts[3]))
    return found


def _revoked(revocations: list[tuple[str, str, str]], key_fp: str, role: str, at: str,
             as_of: str | None) -> bool:
    """Whether a revocation made after the endorsement (at `at`) and, when
    `as_of` is given, before that moment, covers this key and role."""
    return any(fp == key_fp and rrole in (role, ANY_ROLE) and rat >= at
               and (as_of is None or rat <= as_of)
               for fp, rrole, rat in revocations)


def _valid_statements(session: Session, rt: Runtime, user_id: int, role: str,
                      seen: frozenset[int], as_of: str | None = None
                      ) -> Iterable[dict[str, object]]:
    """The endorsement statements of this user and role whose signature
    chain verifies up to the anchor and that no revocation covers — now, or
    (for a signer) at the moment `as_of` they signed: what a colleague
    endorsed before they left stands."""
    anchor = rt.keyring.anchor_public
    if anchor is None or user_id in seen or len(seen) > MAX_CHAIN:
        return
    revocations: list[tuple[str, str, str]] | None = None
    rows = session.scalars(select(KeyEndorsement).where(KeyEndorsement.user_id == user_id,
                                                       KeyEndorsement.role == role)).all()
    for row in rows:
        fields = signing.read_statement(row.statement)
        signer_hex = fields.get("signer_key")
        if (fields.get("kind") != "endorse" or fields.get("user") != user_id
                or fields.get("role") != role or not isinstance(signer_hex, str)):
            continue
        try:
            signer_key = bytes.fromhex(signer_hex)
        except ValueError:
            continue
        if not signing.verify(signer_key, row.statement, row.signature):
            continue
        if revocations is None:
            revocations = _revocations(session, rt, user_id)
        if _revoked(revocations, str(fields.get("key")), role, str(fields.get("at")), as_of):
            continue
        if signer_key == anchor or _signer_endorsed(session, rt, fields, role,
                                                     seen | {user_id}):
            yield fields


def _signer_endorsed(session: Session, rt: Runtime, fields: dict[str, object], role: str,
                     seen: frozenset[int]) -> bool:
    """Whether the handler who signed held, when signing, an endorsement of
    the same role or as ICC for the signing key they used."""
    signer_id = fields.get("signer")
    if not isinstance(signer_id, int) or signer_id == fields.get("user"):
        return False
    for signer_role in dict.fromkeys((role, Role.ICC.value)):
        for own in _valid_statements(session, rt, signer_id, signer_role, seen,
                                     as_of=str(fields.get("at"))):
            if own.get("signing") == fields.get("signer_key") and str(own.get("at")) <= str(
                    fields.get("at")):
                return True
    return False


def endorsed(session: Session, rt: Runtime, user: User, role: str) -> bool:
    """Whether a case may be wrapped to this user's current key in this
    role: an active handler holding the role, with an endorsement of this
    very key (fingerprint computed here, not read from the row) that
    verifies up to the anchor and is not revoked."""
    if (not user.active or user.public_key is None or role not in user.roles
            or role not in HANDLER_ROLES):
        return False
    key_fp = fingerprint(user.public_key)
    email = user.email.lower()
    verified: dict[tuple[int, str, str, str], bool] | None = session.info.get(_VERIFIED)
    asked = (user.id, role, key_fp, email)
    if verified is not None and asked in verified:
        return verified[asked]
    found = any(fields.get("key") == key_fp and fields.get("email") == email
                for fields in _valid_statements(session, rt, user.id, role, frozenset()))
    if verified is not None:
        verified[asked] = found
    return found


def endorsed_roles(session: Session, rt: Runtime, user: User) -> frozenset[Role]:
    return frozenset(role for role in user.roles & HANDLER_ROLES
                     if endorsed(session, rt, user, role))


def any_endorsed(session: Session, rt: Runtime, role: str) -> bool:
    """Whether any active user holds an endorsed key in this role."""
    users = session.scalars(select(User).join(UserRole).where(
        UserRole.role == role, User.active, User.public_key.is_not(None))).unique()
    return any(endorsed(session, rt, user, role) for user in users)


def only_endorsed(session: Session, rt: Runtime, users: Iterable[User], role: str) -> list[User]:
    return [user for user in users if endorsed(session, rt, user, role)]


# --- endorsing ----------------------------------------------------------------


def may_endorse_roles(session: Session, rt: Runtime, endorser: User) -> frozenset[Role]:
    """The roles this handler may endorse colleagues in: their own endorsed
    handler roles; every handler role when they are an endorsed ICC."""
    own = endorsed_roles(session, rt, endorser)
    return frozenset(HANDLER_ROLES) if Role.ICC in own else own


def awaiting_endorsement(session: Session, rt: Runtime, endorser: User) -> list[tuple[User, Role]]:
    """(colleague, role) pairs this handler may endorse now: active, with a
    key, holding the role, not yet endorsed in it."""
    roles = may_endorse_roles(session, rt, endorser)
    if not roles:
        return []
    pairs = []
    colleagues = session.scalars(select(User).where(User.active, User.public_key.is_not(None),
                                                    User.id != endorser.id)
                                 .order_by(User.display_name, User.id)).all()
    for colleague in colleagues:
        for role in sorted(colleague.roles & roles):
            if not endorsed(session, rt, colleague, role):
                pairs.append((colleague, role))
    return pairs


def _check_target(user: User, role: str, typed_code: str) -> str:
    if role not in HANDLER_ROLES or role not in user.roles:
        raise EndorsementRefused("not_in_role")
    if not user.active:
        raise EndorsementRefused("inactive")
    code = key_code(user)
    if code is None or user.public_key is None:
        raise EndorsementRefused("no_key_yet")
    if signing.normalise_code(typed_code) != code:
        raise EndorsementRefused("code_mismatch")
    return fingerprint(user.public_key)


def _store(session: Session, rt: Runtime, user: User, role: str, key_fp: str,
           signer: signing.Ed25519PrivateKey, signer_user: User | None, *, actor: str,
           origin: str) -> KeyEndorsement:
    signer_hex = signing.public_bytes(signer).hex()
    fields = {"kind": "endorse", "v": 1, "user": user.id, "email": user.email.lower(),
              "role": role, "key": key_fp, "signing": user.signing_public,
              "signer": signer_user.id if signer_user else None, "signer_key": signer_hex,
              "at": _iso(utcnow())}
    data = signing.statement(fields)
    row = KeyEndorsement(user_id=user.id, role=role,
                         signer_id=signer_user.id if signer_user else None,
                         statement=data, signature=signing.sign(signer, data))
    session.add(row)
    _forget(session)
    session.flush()
    rt.audit.record(session, actor=actor, action=AuditAction.KEYS_ENDORSED, object_type="user",
                    object_id=user.id, target=f"role:{role}", origin=origin)
    return row


def endorse(session: Session, rt: Runtime, endorser: User, endorser_key: PrivateKey | None,
            target: User, role: str, typed_code: str) -> KeyEndorsement:
    """An endorsed handler of the same role, or an endorsed ICC, vouches for
    a colleague's key after comparing its code with them."""
    if endorser_key is None:
        raise EndorsementRefused("key_locked")
    if endorser.id == target.id:
        raise EndorsementRefused("not_yourself")
    if role not in may_endorse_roles(session, rt, endorser):
        rt.audit.record(session, actor=f"user:{endorser.id}", action=AuditAction.KEYS_ENDORSED,
                        object_type="user", object_id=target.id, target=f"role:{role}",
                        result="denied")
        raise EndorsementRefused("not_allowed")
    own = signing.signing_key_of(endorser_key)
    if signing.public_bytes(own).hex() != endorser.signing_public:
        raise EndorsementRefused("key_locked")
    key_fp = _check_target(target, role, typed_code)
    return _store(session, rt, target, role, key_fp, own, endorser,
                  actor=f"user:{endorser.id}", origin="web")


def endorse_with_anchor(session: Session, rt: Runtime, anchor_seed: bytes, target: User,
                        role: str, typed_code: str) -> KeyEndorsement:
    """The ceremony for the first handlers: the anchor (unlocked by both
    custodians) vouches for a key whose code was compared with its owner."""
    anchor = signing.signing_key_from_seed(anchor_seed)
    if signing.public_bytes(anchor) != rt.keyring.anchor_public:
        raise EndorsementRefused("not_the_anchor")
    key_fp = _check_target(target, role, typed_code)
    return _store(session, rt, target, role, key_fp, anchor, None, actor="system",
                  origin="cli")


# --- revoking -----------------------------------------------------------------


def revoke(session: Session, rt: Runtime, user: User, role: str = ANY_ROLE, *,
           actor: str = "system", origin: str = "web") -> None:
    """No new wrap to this user's current key (in this role, or any): a
    signed row, and a line in keys/ that no database writer can remove."""
    if user.public_key is None:
        return
    key_fp = fingerprint(user.public_key)
    at = _iso(utcnow())
    data = signing.statement({"kind": "revoke", "v": 1, "user": user.id, "key": key_fp,
                              "role": role, "at": at})
    server = signing.signing_key_from_seed(rt.keyring.revocation_seed)
    session.add(KeyRevocation(user_id=user.id, statement=data,
                              signature=signing.sign(server, data)))
    _forget(session)
    rt.keyring.append_revoked(f"{user.id} {key_fp} {role} {at}")
    rt.audit.record(session, actor=actor, action=AuditAction.KEYS_REVOKED, object_type="user",
                    object_id=user.id, target=f"role:{role}", origin=origin)

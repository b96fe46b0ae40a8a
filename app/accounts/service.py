"""Staff sign-in, second factor, passwords and the admin's user operations.

Plain functions over a database session and the Runtime; routes and the CLI
call these. Every security-relevant step writes its audit entry in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts import passwords, totp, trust
from app.accounts.sessions import (
    SessionCookie,
    end_all_sessions,
    end_session,
    purge_expired_sessions,
    rotate_session,
    seal_key_into,
    start_session,
    unlocked_private_key,
)
from app.crypto.errors import WrongPassphrase
from app.crypto.keys import (
    PrivateKey,
    fingerprint,
    generate_keypair,
    protect_private_key,
    protected_key_params,
    public_key_bytes,
    unlock_private_key,
)
from app.errors import Invalid, NotAuthenticated
from app.models import RecoveryCode, StaffSession, Unit, User, UserRole, utcnow
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import HANDLER_ROLES, AuditAction, Role, UnitKind


class SignInFailed(NotAuthenticated):
    """Wrong e-mail, wrong password, unknown or locked account: one message for all."""

    area = "account"
    default_code = "sign_in_failed"


class SecondFactorFailed(NotAuthenticated):
    """A wrong or used code (wrong_code), or a wrong code while enrolling
    (wrong_enrolment_code)."""

    area = "account"
    default_code = "wrong_code"


class AccountError(Invalid, ValueError):
    """A user-facing problem with account data; str() is the reason code."""

    area = "account"


def actor_of(user: User | None) -> str:
    return f"user:{user.id}" if user is not None else "anonymous"


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def _second_factor_locked(rt: Runtime, user: User) -> bool:
    """Locked by wrong codes; a stranger's wrong passwords never make the
    code step wait, so they can not stop an owner who is past the password."""
    return user.failed_second_factors >= rt.settings.login_lock_after and _is_locked(user)


def _register_failure(session: Session, rt: Runtime, user: User, action: AuditAction) -> None:
    """A wrong password: anybody who knows the e-mail address can send one,
    so it only slows the account down - a wait that doubles per failure and
    never exceeds `login_max_wait_seconds`. Attempts during the wait are
    refused unchecked and do not count, so they do not lengthen it."""
    settings = rt.settings
    user.failed_logins += 1
    excess = user.failed_logins - settings.login_slowdown_after
    if excess >= 0:
        wait = min(settings.login_max_wait_seconds, 15 * 2 ** min(excess, 16))
        user.locked_until = utcnow() + timedelta(seconds=wait)
    rt.audit.record(session, actor=actor_of(user), action=action, object_type="user",
                    object_id=user.id, result="failed")


def _register_second_factor_failure(session: Session, rt: Runtime, user: User,
                                    action: AuditAction) -> None:
    """A wrong second-factor code: only someone who had the password gets to
    send one, so after `login_lock_after` of them the account locks for
    `login_lock_minutes` (the admin can lift it)."""
    settings = rt.settings
    user.failed_second_factors += 1
    rt.audit.record(session, actor=actor_of(user), action=action, object_type="user",
                    object_id=user.id, result="failed")
    if user.failed_second_factors >= settings.login_lock_after:
        user.locked_until = utcnow() + timedelta(minutes=settings.login_lock_minutes)
        rt.audit.record(session, actor="system", action=AuditAction.ACCOUNT_LOCKED,
                        object_type="user", object_id=user.id)


def next_stage(user: User) -> str:
    if not user.has_second_factor:
        return "enrol"
    if user.must_change_password or user.private_key_protected is None:
        return "set_password"
    return "active"


def begin_sign_in(
    session: Session, rt: Runtime, email: str, password: str
) -> tuple[StaffSession, SessionCookie]:
    """Step one: the password. Returns a session that is not signed in yet."""
    params = rt.settings.password_hash
    # Expired sessions of anyone are deleted here, so a sealed key does not
    # wait in the database for a user who never comes back.
    purge_expired_sessions(session, rt.settings)
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        passwords.burn_verify_time(params)
        rt.audit.record(session, actor="anonymous", action=AuditAction.SIGNIN_PASSWORD,
                        result="failed")
        session.commit()
        raise SignInFailed
    if _is_locked(user):
        passwords.burn_verify_time(params)
        rt.audit.record(session, actor=actor_of(user), action=AuditAction.SIGNIN_PASSWORD,
                        object_type="user", object_id=user.id, result="denied")
        session.commit()
        raise SignInFailed
    if not passwords.verify_password(user.password_hash, password, params):
        _register_failure(session, rt, user, AuditAction.SIGNIN_PASSWORD)
        session.commit()
        raise SignInFailed
    if passwords.needs_rehash(user.password_hash, params):
        user.password_hash = passwords.hash_password(password, params)
    private_key = None
    if user.private_key_protected is not None and not user.must_change_password:
        try:
            private_key = unlock_private_key(user.private_key_protected, password)
        except WrongPassphrase:
            # The key was protected by another password (should not happen):
            # sign in without it; the user's cases will ask for a re-grant.
            private_key = None
        if private_key is not None and user.signing_public is None:
            # A key from before endorsements (migration 0021): its signing
            # key can only be derived now that the key is open.
            user.signing_public = trust.signing_public_hex(private_key)
        if private_key is not None and (
            protected_key_params(user.private_key_protected) != rt.settings.key_derivation
        ):
            # Like the verifier: re-protect under the current Argon2id cost.
            user.private_key_protected = protect_private_key(
                private_key, password, rt.settings.key_derivation
            )
    stage = "totp" if user.has_second_factor else "enrol"
    row, cookie = start_session(session, user, stage, private_key)
    rt.audit.record(session, actor=actor_of(user), action=AuditAction.SIGNIN_PASSWORD,
                    object_type="user", object_id=user.id)
    session.commit()
    return row, cookie


def verify_second_factor(
    session: Session, rt: Runtime, row: StaffSession, cookie: SessionCookie, code: str
) -> tuple[StaffSession, SessionCookie]:
    user = row.user
    if (row.stage != "totp" or _second_factor_locked(rt, user)
            or user.totp_secret_encrypted is None):
        rt.audit.record(session, actor=actor_of(user), action=AuditAction.SIGNIN_SECOND_FACTOR,
                        object_type="user", object_id=user.id, result="denied")
        session.commit()
        raise SecondFactorFailed
    secret = totp.decrypt_secret(user.totp_secret_encrypted, rt.keyring.totp_key, user.id)
    step = totp.matching_step(secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
    elif not _use_recovery_code(session, rt, user, code):
        _register_second_factor_failure(session, rt, user, AuditAction.SIGNIN_SECOND_FACTOR)
        session.commit()
        raise SecondFactorFailed
    return _advance(session, rt, row, cookie)


def _use_recovery_code(session: Session, rt: Runtime, user: User, code: str) -> bool:
    if len(totp.normalise_recovery_code(code)) != 10:
        return False
    wanted = totp.recovery_code_hash(code, rt.keyring.totp_key, user.id)
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == wanted,
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    rt.audit.record(session, actor=actor_of(user), action=AuditAction.MFA_RECOVERY_CODE_USED,
                    object_type="user", object_id=user.id)
    return True


def _advance(
    session: Session, rt: Runtime, row: StaffSession, cookie: SessionCookie
) -> tuple[StaffSession, SessionCookie]:
    user = row.user
    stage = next_stage(user)
    if stage == "active":
        user.failed_logins = 0
        user.failed_second_factors = 0
        user.locked_until = None
        user.last_login_at = utcnow()
        rt.audit.record(session, actor=actor_of(user), action=AuditAction.SIGNIN_SUCCESS,
                        object_type="user", object_id=user.id)
    # A new session id whenever the privilege level changes (no fixation).
    new_row, new_cookie = rotate_session(session, row, cookie, stage)
    session.commit()
    return new_row, new_cookie


def pending_totp_secret(session: Session, rt: Runtime, row: StaffSession) -> str:
    """The secret being enrolled in this sign-in; made once, kept encrypted."""
    if row.pending_totp_secret is None:
        secret = totp.new_totp_secret()
        row.pending_totp_secret = totp.encrypt_secret(secret, rt.keyring.totp_key, row.user_id)
        session.commit()
        return secret
    return totp.decrypt_secret(row.pending_totp_secret, rt.keyring.totp_key, row.user_id)


def confirm_enrolment(
    session: Session, rt: Runtime, row: StaffSession, cookie: SessionCookie, code: str
) -> tuple[StaffSession, SessionCookie, list[str]]:
    user = row.user
    if row.stage != "enrol" or row.pending_totp_secret is None:
        raise SecondFactorFailed("wrong_enrolment_code")
    secret = totp.decrypt_secret(row.pending_totp_secret, rt.keyring.totp_key, user.id)
    step = totp.matching_step(secret, code, None)
    if step is None:
        _register_second_factor_failure(session, rt, user, AuditAction.MFA_ENROL)
        session.commit()
        raise SecondFactorFailed("wrong_enrolment_code")
    user.totp_secret_encrypted = row.pending_totp_secret
    user.totp_last_step = step
    user.totp_enrolled_at = utcnow()
    codes = replace_recovery_codes(session, rt, user)
    rt.audit.record(session, actor=actor_of(user), action=AuditAction.MFA_ENROLLED,
                    object_type="user", object_id=user.id)
    new_row, new_cookie = _advance(session, rt, row, cookie)
    return new_row, new_cookie, codes


@transactional
def renew_recovery_codes(session: Session, rt: Runtime, user: User) -> list[str]:
    """A signed-in user's fresh set of recovery codes (the old ones stop
    working), audit-logged. Owns its transaction."""
    codes = replace_recovery_codes(session, rt, user)
    rt.audit.record(session, actor=actor_of(user), action=AuditAction.MFA_RECOVERY_CODES_REPLACED,
                    object_type="user", object_id=user.id)
    return codes


@transactional
def sign_out(session: Session, rt: Runtime, row: StaffSession) -> None:
    """End this staff session, audit-logged. Owns its transaction."""
    rt.audit.record(session, actor=f"user:{row.user_id}", action=AuditAction.SIGNOUT,
                    object_type="user", object_id=row.user_id)
    end_session(session, row)


def replace_recovery_codes(session: Session, rt: Runtime, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    for code in codes:
        session.add(RecoveryCode(
            user_id=user.id, code_hash=totp.recovery_code_hash(code, rt.keyring.totp_key, user.id)
        ))
    return codes


def _install_keys(rt: Runtime, user: User, private_key: PrivateKey, password: str) -> None:
    public = public_key_bytes(private_key)
    user.public_key = public
    user.key_fingerprint = fingerprint(public)
    user.signing_public = trust.signing_public_hex(private_key)
    user.private_key_protected = protect_private_key(
        private_key, password, rt.settings.key_derivation
    )
    user.key_created_at = utcnow()


def set_own_password(
    session: Session, rt: Runtime, row: StaffSession, cookie: SessionCookie, new_password: str
) -> tuple[StaffSession, SessionCookie]:
    """First sign-in or after an admin reset: the user chooses their password,
    and a key pair is made (or re-protected) under it."""
    user = row.user
    if row.stage != "set_password":
        raise AccountError("wrong_stage")
    passwords.check_password_policy(new_password, email=user.email)
    if passwords.verify_password(user.password_hash, new_password, rt.settings.password_hash):
        raise AccountError("same_password")
    user.password_hash = passwords.hash_password(new_password, rt.settings.password_hash)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    private_key = unlocked_private_key(row, cookie)
    if private_key is None or user.private_key_protected is None:
        private_key = generate_keypair()
        rt.audit.record(session, actor=actor_of(user), action=AuditAction.KEYS_CREATED,
                        object_type="user", object_id=user.id)
    _install_keys(rt, user, private_key, new_password)
    seal_key_into(row, cookie, private_key)
    rt.audit.record(session, actor=actor_of(user), action=AuditAction.PASSWORD_SET,
                    object_type="user", object_id=user.id)
    # Any other session of this user dies with the old password.
    session.execute(
        delete(StaffSession).where(StaffSession.user_id == user.id, StaffSession.id != row.id)
    )
    return _advance(session, rt, row, cookie)


def change_password(
    session: Session,
    rt: Runtime,
    row: StaffSession,
    cookie: SessionCookie,
    current_password: str,
    new_password: str,
) -> tuple[StaffSession, SessionCookie]:
    """A signed-in user changes their password: the private key is re-protected,
    every session of theirs ends, and this browser gets a fresh one."""
    user = row.user
    params = rt.settings.password_hash
    if not passwords.verify_password(user.password_hash, current_password, params):
        _register_failure(session, rt, user, AuditAction.PASSWORD_CHANGE)
        session.commit()
        raise AccountError("wrong_current_password")
    passwords.check_password_policy(new_password, email=user.email)
    if current_password == new_password:
        raise AccountError("same_password")
    private_key = unlocked_private_key(row, cookie)
    if private_key is None and user.private_key_protected is not None:
        private_key = unlock_private_key(user.private_key_protected, current_password)
    user.password_hash = passwords.hash_password(new_password, params)
    user.password_changed_at = utcnow()
    if private_key is not None:
        user.private_key_protected = protect_private_key(
            private_key, new_password, rt.settings.key_derivation
        )
    end_all_sessions(session, user.id)
    new_row, new_cookie = start_session(session, user, "active", private_key)
    rt.audit.record(session, actor=actor_of(user), action=AuditAction.PASSWORD_CHANGED,
                    object_type="user", object_id=user.id)
    session.commit()
    return new_row, new_cookie


# --- administration -------------------------------------------------------


def validate_roles(roles: AbstractSet[str]) -> None:
    unknown = roles - set(Role)
    if unknown or not roles:
        raise AccountError("unknown_role")
    # Separation of duties: whoever manages users or reads the audit log never
    # holds case keys.
    if roles & {Role.ADMIN, Role.AUDITOR} and roles & HANDLER_ROLES:
        raise AccountError("role_conflict")


@transactional
def create_user(
    session: Session,
    rt: Runtime,
    *,
    email: str,
    display_name: str,
    unit: Unit,
    roles: AbstractSet[str],
    password: str | None = None,
    actor: str = "system",
    origin: str = "web",
    active: bool = True,
) -> tuple[User, str]:
    """Create a staff account with an initial password the user must change.

    Returns the user and the initial password (generated when not given).
    No key pair yet: it is made when the user sets their own password.
    Owns its transaction.
    """
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("invalid_email")
    if find_user_by_email(session, email) is not None:
        raise AccountError("email_taken")
    validate_roles(roles)
    if Role.EXTERNAL in roles and unit.kind != UnitKind.BUREAU:
        raise AccountError("investigator_needs_bureau")
    refuse_duplicate_name(session, display_name.strip() or email, roles, None)
    initial = password or passwords.generate_temporary_password()
    if password is not None:
        passwords.check_password_policy(password, email=email)
    user = User(
        email=email,
        display_name=display_name.strip() or email,
        unit_id=unit.id,
        password_hash=passwords.hash_password(initial, rt.settings.password_hash),
        must_change_password=True,
        role_rows=[UserRole(role=r) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    rt.audit.record(session, actor=actor, action=AuditAction.ADMIN_USER_CREATED, object_type="user",
                    object_id=user.id, origin=origin)
    user.active = active
    return user, initial


def refuse_duplicate_name(session: Session, name: str, roles: AbstractSet[str],
                          user: User | None) -> None:
    """Two handlers of one role with the same name can not be told apart on
    a routing list: refused (case and spaces do not make a name different)."""
    wanted = " ".join(name.split()).casefold()
    handler_roles = set(roles) & HANDLER_ROLES
    if not handler_roles:
        return
    others = session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_(handler_roles), User.id != (user.id if user else -1))).unique()
    if any(" ".join(other.display_name.split()).casefold() == wanted for other in others):
        raise AccountError("duplicate_name")


@transactional
def create_unit(session: Session, rt: Runtime, *, code: str, name: str, kind: str,
                actor: str = "system", origin: str = "cli") -> Unit:
    """Add an organisation unit, audit-logged. Owns its transaction."""
    unit = Unit(code=code, name=name, kind=kind)
    session.add(unit)
    rt.audit.record(session, actor=actor, action=AuditAction.ADMIN_UNIT_CREATED,
                    object_type="unit", object_id=code, origin=origin)
    return unit


@transactional
def update_user(
    session: Session, rt: Runtime, admin: User, user: User, *, display_name: str,
    unit: Unit, roles: AbstractSet[str], active: bool,
) -> None:
    """An admin changes an account. Owns its transaction."""
    validate_roles(roles)
    if Role.EXTERNAL in roles and unit.kind != UnitKind.BUREAU:
        raise AccountError("investigator_needs_bureau")
    if user.id == admin.id and (Role.ADMIN not in roles or not active):
        raise AccountError("cannot_demote_self")
    name = display_name.strip() or user.email
    refuse_duplicate_name(session, name, roles, user)
    user.display_name = name
    user.unit_id = unit.id
    current = {row.role: row for row in user.role_rows}
    actor = actor_of(admin)
    for role in set(current) - roles:
        user.role_rows.remove(current[role])
        if role in HANDLER_ROLES:
            trust.revoke(session, rt, user, role, actor=actor)
    for added in roles - set(current):
        user.role_rows.append(UserRole(role=Role(added)))
    if user.active and not active:
        end_all_sessions(session, user.id)
        # A signed revocation, not only the flag: a database writer who sets
        # `active` back gets no wrap made to this key again.
        trust.revoke(session, rt, user, actor=actor)
    user.active = active
    rt.audit.record(session, actor=actor_of(admin), action=AuditAction.ADMIN_USER_UPDATED,
                    object_type="user", object_id=user.id)


@transactional
def admin_reset_password(session: Session, rt: Runtime, admin: User, user: User) -> str:
    """Give the user a temporary password. Their key pair is discarded: the
    admin must never know a password that opens it. Cases they held wait for
    a colleague (or the recovery key) to re-grant them. Owns its transaction."""
    temporary = passwords.generate_temporary_password()
    user.password_hash = passwords.hash_password(temporary, rt.settings.password_hash)
    user.must_change_password = True
    trust.revoke(session, rt, user, actor=actor_of(admin))
    user.public_key = None
    user.signing_public = None
    user.private_key_protected = None
    user.key_fingerprint = None
    user.key_created_at = None
    user.failed_logins = 0
    user.failed_second_factors = 0
    user.locked_until = None
    end_all_sessions(session, user.id)
    rt.audit.record(session, actor=actor_of(admin), action=AuditAction.ADMIN_PASSWORD_RESET,
                    object_type="user", object_id=user.id)
    return temporary


@transactional
def admin_reset_second_factor(session: Session, rt: Runtime, admin: User, user: User) -> None:
    """The user enrols a second factor again at the next sign-in. Owns its transaction."""
    user.totp_secret_encrypted = None
    user.totp_last_step = None
    user.totp_enrolled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(session, user.id)
    rt.audit.record(session, actor=actor_of(admin), action=AuditAction.ADMIN_SECOND_FACTOR_RESET,
                    object_type="user", object_id=user.id)


@transactional
def admin_unlock(session: Session, rt: Runtime, admin: User, user: User) -> None:
    """Lift a lockout after failed sign-ins. Owns its transaction."""
    user.failed_logins = 0
    user.failed_second_factors = 0
    user.locked_until = None
    rt.audit.record(session, actor=actor_of(admin), action=AuditAction.ADMIN_USER_UNLOCKED,
                    object_type="user", object_id=user.id)


def enrol_directly(
    session: Session, rt: Runtime, user: User, password: str, totp_secret: str
) -> None:
    """Set a password, TOTP secret and key pair at once — for `meldpunt demo`
    only, where the demo credentials are published anyway."""
    user.password_hash = passwords.hash_password(password, rt.settings.password_hash)
    user.must_change_password = False
    user.totp_secret_encrypted = totp.encrypt_secret(totp_secret, rt.keyring.totp_key, user.id)
    user.totp_enrolled_at = utcnow()
    _install_keys(rt, user, generate_keypair(), password)

"""Staff users, their roles, second factor and server-side sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, code_column, utcnow
from app.models.org import Unit
from app.vocabulary import HANDLER_ROLES, Role


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by an admin-made password: the owner must choose their own before
    # anything else, so the admin never knows the password that protects keys.
    must_change_password: Mapped[bool] = mapped_column(default=True)

    # TOTP secret, encrypted under keys/totp.key; the last accepted time step
    # refuses a replayed code.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None]
    totp_enrolled_at: Mapped[datetime | None]

    # Wrong passwords since the last sign-in: they only slow down (a short,
    # capped wait), as anybody can send them. Wrong second-factor codes come
    # from someone who had the password: after a few the account locks.
    failed_logins: Mapped[int] = mapped_column(default=0)
    failed_second_factors: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    # HPKE key pair; the private half is protected by the password (Argon2id).
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    private_key_protected: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    key_created_at: Mapped[datetime | None]
    # Ed25519 public key (hex) derived from the private key: what this user
    # signs endorsements with. Believed only through an endorsement
    # statement that names it (app/accounts/trust.py).
    signing_public: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def may_hold_cases(self) -> bool:
        return bool(self.roles & HANDLER_ROLES)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enrolled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(code_column(Role, 40))

    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(Base):
    """One-time second-factor recovery codes; only an HMAC of each is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class StaffSession(Base):
    """A server-side staff session.

    The cookie carries a random token (stored here only as its SHA-256) and a
    per-session secret (never stored). The unlocked private key is kept here
    sealed under that secret: neither the database nor the cookie alone yields it.
    """

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # enrol -> totp -> set_password -> active; only "active" is signed in.
    stage: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    sealed_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # During enrolment: the TOTP secret being set up, sealed like the key.
    pending_totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship(lazy="joined")

"""Signed endorsements and revocations of staff keys (app/accounts/trust.py).

The rows only carry signed statements: what they say is believed only when
the signature verifies up to the trust anchor in keys/, so writing a row
gives a DBA nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class KeyEndorsement(Base):
    """A signed statement: this user's key (encryption and signing key) may
    hold cases in this role. Signed by the anchor or an endorsed handler."""

    __tablename__ = "key_endorsement"
    __table_args__ = (Index("ix_key_endorsement_user", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    # Who signed (None: the anchor), for the lists; the signing key itself
    # is in the statement.
    signer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyRevocation(Base):
    """A signed statement: this user's key no longer holds cases (in one
    role, or "*"). Signed by the server's revocation key in keys/; also
    appended to keys/revoked, which a database writer can not reach."""

    __tablename__ = "key_revocation"
    __table_args__ = (Index("ix_key_revocation_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Cases and everything that hangs off them.

Only metadata needed for queues, deadlines, retention and statistics is in
clear. Every content field is a ciphertext under the case's data key (see
app/crypto/envelope.py); the key itself exists only as wraps.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EXACT, Base, code_column, utcnow
from app.models.org import Unit
from app.models.user import User
from app.vocabulary import (
    AuthorKind,
    Channel,
    CloseReason,
    IntakeChannel,
    Measure,
    Outcome,
    ReferralTarget,
    Role,
    State,
    Track,
)

# Predicates of the partial queue indexes (migration 0010).
OPEN = "state <> 'closed'"
OPEN_UNACKNOWLEDGED = "state <> 'closed' AND acknowledged_at IS NULL"
OPEN_WAITING = "state <> 'closed' AND last_author_kind = 'staff'"
# Carried by the queue index (migration 0029).
QUEUE_INCLUDE = ["id", "category", "shredded_at", "received_at", "acknowledged_at",
                 "acknowledge_due_at", "feedback_given_at", "feedback_due_at",
                 "last_author_kind"]


class Case(Base):
    __tablename__ = "case_file"
    __table_args__ = (
        # The queue's tab counts read these columns only: on PostgreSQL from
        # this index alone (migration 0029).
        Index("ix_case_file_queue", "state", "unit_id", "track",
              postgresql_include=QUEUE_INCLUDE),
        Index("ix_case_file_closed_at", "closed_at"),
        # Queues sort and filter on these (see app/cases/queues.py).
        Index("ix_case_file_received_at", "received_at"),
        Index("ix_case_file_unit_track", "unit_id", "track"),
        Index("ix_case_file_track_received", "track", "received_at"),
        # The confidential counsellors' annual report (app/stats/vp_report.py).
        Index("ix_case_file_counsellor_received", "counsellor_id", "received_at"),
        # Tab filters on open cases (due soon, overdue, waiting for reporter):
        # partial, so they stay as small as the open part of the backlog.
        Index("ix_case_file_open_ack_due", "acknowledge_due_at",
              postgresql_where=text(OPEN_UNACKNOWLEDGED), sqlite_where=text(OPEN_UNACKNOWLEDGED)),
        Index("ix_case_file_open_feedback_due", "feedback_due_at",
              postgresql_where=text(OPEN), sqlite_where=text(OPEN)),
        Index("ix_case_file_open_waiting", "received_at",
              postgresql_where=text(OPEN_WAITING), sqlite_where=text(OPEN_WAITING)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public reference, random so that it can not be guessed or counted.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    track: Mapped[Track] = mapped_column(code_column(Track, 20))
    category: Mapped[str | None] = mapped_column(String(60))
    subcategory: Mapped[str | None] = mapped_column(String(60))
    typology_version: Mapped[str] = mapped_column(String(20), default="rijk-2024")
    channel: Mapped[Channel] = mapped_column(code_column(Channel, 20))
    intake_channel: Mapped[IntakeChannel] = mapped_column(code_column(IntakeChannel, 20),
                                                          default=IntakeChannel.WEB)
    state: Mapped[State] = mapped_column(code_column(State, 30), default=State.RECEIVED)

    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Deadlines: the end of a local day, computed from the day of receipt;
    # kept as computed also when a reporter's action writes them
    # (app/daytime.py).
    acknowledge_due_at: Mapped[datetime] = mapped_column(info=EXACT)
    acknowledged_at: Mapped[datetime | None]
    feedback_due_at: Mapped[datetime] = mapped_column(info=EXACT)
    closed_at: Mapped[datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(code_column(Outcome, 40))
    measure: Mapped[Measure | None] = mapped_column(code_column(Measure, 40))
    close_reason: Mapped[CloseReason | None] = mapped_column(code_column(CloseReason, 40))
    # Where a case or VP signal was referred to (clear: statistics need it).
    referred_to: Mapped[ReferralTarget | None] = mapped_column(code_column(ReferralTarget, 40))
    shredded_at: Mapped[datetime | None]
    # For the annual figures: the first feedback to the reporter after the
    # acknowledgement (a handler's message or the decision), and the moment a
    # vertrouwenspersoon passed the case to the integrity coordinator.
    feedback_given_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    # The vertrouwenspersoon who handles the case (clear: the VP annual
    # report counts per VP): the VP chosen when the case was routed, the VP
    # who registered it or its signal, and then the VP who acts on it while
    # it is with a VP (advice given, referred, passed on to the IC).
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # A legal hold (set by the IC, logged; reason encrypted) suspends retention.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    legal_hold_set_at: Mapped[datetime | None]
    legal_hold_reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The reporter's consent for the VP to pass the case to the integrity
    # coordinator (clear metadata: the workflow checks it). consent_given_at is
    # set only while consent stands; withdrawing clears it and records when.
    consent_given_at: Mapped[datetime | None]
    consent_withdrawn_at: Mapped[datetime | None]
    # Who wrote the newest message (reporter | staff | system), set with every
    # message (content.add_message): the "waiting for reporter" queue reads
    # it instead of the newest message of every case. Clear metadata, as
    # Message.author_kind already is.
    last_author_kind: Mapped[AuthorKind | None] = mapped_column(code_column(AuthorKind, 20))
    # Optimistic concurrency: every change bumps it.
    version: Mapped[int] = mapped_column(default=1)

    # Encrypted content: the report's answers (JSON) and, kept apart so it
    # can be withheld from an external referral, the reporter's identity.
    report_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    identity_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)

    unit: Mapped[Unit] = relationship(lazy="joined")
    wraps: Mapped[list[KeyWrap]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.number}>"


class KeyWrap(Base):
    """One holder of a case (a staff member, the reporter's receipt or the
    recovery key): which key they hold it under and who granted it. The
    compartment keys they may open hang off it (CompartmentWrap). A case not
    yet moved to compartments (made before migration 0017) has instead the
    whole-case key in `wrapped_key` (app/cases/custody.upgrade_case)."""

    __tablename__ = "key_wrap"
    __table_args__ = (
        UniqueConstraint("case_id", "recipient"),
        # "Cases this user holds" by index only (queues, migration 0010).
        Index("ix_key_wrap_user_case", "user_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    # "user:<id>", "reporter" or "recovery"; bound into the HPKE info string.
    recipient: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    suite_id: Mapped[str] = mapped_column(String(80))
    # Fingerprint of the public key wrapped to: after a key reset the wrap is
    # stale and the case waits for a re-grant.
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    # Only on a case from before compartments: its single case key.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The erasure ratchet's day `wrapped_key` is sealed to (app/cases/seals.py).
    seal_day: Mapped[date | None] = mapped_column(index=True)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="wraps")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    keys: Mapped[list[CompartmentWrap]] = relationship(
        back_populates="holder", cascade="all, delete-orphan", passive_deletes=True)


class CompartmentWrap(Base):
    """One generation of one compartment key, wrapped (HPKE) to one holder.
    Which compartments a holder has is clear metadata; the keys are not."""

    __tablename__ = "compartment_wrap"
    __table_args__ = (
        UniqueConstraint("key_wrap_id", "compartment", "generation"),
        Index("ix_compartment_wrap_case_compartment", "case_id", "compartment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_wrap_id: Mapped[int] = mapped_column(ForeignKey("key_wrap.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    # report | identity | conversation | casefile | personal:<user id> | referral:<id>
    compartment: Mapped[str] = mapped_column(String(40))
    generation: Mapped[int]
    # Sealed to the erasure ratchet's day `seal_day` (app/cases/seals.py);
    # None only on a row from before migration 0026 not sealed yet.
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    seal_day: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    holder: Mapped[KeyWrap] = relationship(back_populates="keys")


class IdentityConsent(Base):
    """The reporter's consent that one recipient may learn their identity:
    "ic" (the integrity coordinators handling the case) or "bureau:<unit id>"
    (one external investigation bureau). Given and withdrawn in the mailbox;
    `withdrawn_at` set means it no longer stands. Clear metadata: custody
    reads it before wrapping the identity compartment to anyone."""

    __tablename__ = "identity_consent"
    __table_args__ = (Index("ix_identity_consent_case", "case_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class Receipt(Base):
    """The reporter's way back in: narrowed down by a 4-byte tag of the code,
    verified by an Argon2id-derived verifier. The reporter is a holder like
    staff: a key pair of their own, the private half encrypted under a key
    derived from the code, the public half in clear so that a compartment
    moved to a new generation can be wrapped to them without the code."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), unique=True
    )
    locator: Mapped[str] = mapped_column(String(8), index=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_params: Mapped[str] = mapped_column(String(40))
    verifier: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    private_key_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Only on a receipt from before compartments: the single case key under
    # the code, and (once the case moved) the reporter's compartment keys
    # under that case key until the next sign-in (custody.upgrade_case).
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    bridge_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The erasure ratchet's day the three values above are sealed to.
    seal_day: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Made by staff who registered the report and handed the code over: they
    # know it, so the reporter replaces it at the first sign-in.
    handed_over: Mapped[bool] = mapped_column(default=False)


class Message(Base):
    """A message in the conversation between reporter and handlers."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    # reporter | staff | system
    author_kind: Mapped[AuthorKind] = mapped_column(code_column(AuthorKind, 20))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The role a staff writer acted in on this case (content.writer_role):
    # the reporter sees it instead of a name. None for the reporter's own
    # messages and for older ones whose role could not be derived (0016).
    author_role: Mapped[Role | None] = mapped_column(code_column(Role, 30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The random nonce in the ciphertext makes each row unique; the field name
    # bound in the AD carries this row's id so bodies can not be swapped.
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    # Random name in the file store.
    file_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The compartment its name and file key are sealed in: report (the
    # reporter's files), casefile (staff's) or referral:<id> (the bureau's).
    compartment: Mapped[str | None] = mapped_column(String(40))
    # Name, content type and size, encrypted (JSON) in that compartment.
    meta_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # The per-file key, encrypted under the case key.
    file_key_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_kind: Mapped[AuthorKind] = mapped_column(code_column(AuthorKind, 20))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

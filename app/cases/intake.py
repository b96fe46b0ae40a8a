"""Filing a report and the reporter's way back in (the mailbox).

A new case is encrypted under a fresh data key, wrapped to every intake
officer, to the organisation's recovery key and to a key derived from the
receipt code that only the reporter has.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cases import custody
from app.cases.content import (
    PendingFile,
    attach_pending,
    discard_files,
    set_report,
    store_attachment,
)
from app.cases.deadlines import acknowledge_due, feedback_due
from app.crypto.envelope import (
    CaseKey,
    new_case_key,
    unwrap_case_key_symmetric,
    wrap_case_key_symmetric,
)
from app.crypto.errors import CryptoError
from app.crypto.kdf import Argon2Params
from app.crypto.receipts import (
    ReceiptCode,
    burn_time_like_verify,
    derive_receipt_secrets,
    form_token_digest,
    generate_receipt_code,
    new_receipt_salt,
    normalise_receipt_code,
    receipt_locator,
    verify_receipt,
)
from app.errors import Conflict
from app.models import Attachment, Case, Receipt, SendToken, User, UserRole, utcnow
from app.runtime import Runtime
from app.transactions import unit_of_work
from app.vocabulary import AuditAction, Channel, Role, Track

RECEIPT_RECIPIENT = "receipt"
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


# A report form's send token: 256 random bits, url-safe (43 characters).
SEND_TOKEN_BYTES = 32
_SEND_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
# How many days a used send token is remembered besides the day it was used:
# long enough for a reload or a pull-to-refresh of the receipt page, short
# enough to leave little of the reporter's visit behind.
SEND_TOKEN_DAYS = 1


class AlreadySent(Conflict):
    """This report form was sent before: nothing new is created, and the
    receipt code — shown once, on the first answer — is not shown again."""

    area = "report"
    default_code = "already_sent"


def new_send_token() -> str:
    """A new report form's send token (hidden in the form, never in a URL or
    cookie): sending the form uses it up."""
    return secrets.token_urlsafe(SEND_TOKEN_BYTES)


def valid_send_token(token: str | None) -> bool:
    return token is not None and _SEND_TOKEN_RE.fullmatch(token) is not None


def send_token_digest(rt: Runtime, token: str) -> bytes:
    return form_token_digest(token, rt.keyring.receipt_pepper)


def _token_used(session: Session, digest: bytes) -> bool:
    return session.get(SendToken, digest) is not None


def purge_send_tokens(session: Session, today: date) -> int:
    """Forget the send tokens used before yesterday; the caller commits."""
    cutoff = today - timedelta(days=SEND_TOKEN_DAYS)
    result = session.execute(delete(SendToken).where(SendToken.sent_on < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def use_send_token(session: Session, rt: Runtime, token: str) -> None:
    """Record in the caller's transaction that the form with this token is
    sent, or raise AlreadySent. The primary key on the digest makes the
    database refuse a second use, also when two requests (a double click)
    both pass the look-up before either commits: the second INSERT waits for
    the first transaction and then fails."""
    if not valid_send_token(token):
        raise ValueError("not a send token")
    digest = send_token_digest(rt, token)
    if _token_used(session, digest):
        raise AlreadySent()
    today = utcnow().date()
    purge_send_tokens(session, today)
    session.add(SendToken(digest=digest, sent_on=today))
    try:
        session.flush()
    except IntegrityError:
        raise AlreadySent() from None


@dataclass
class Upload:
    filename: str
    content_type: str
    chunks: Iterable[bytes]
    # An upload already encrypted into the store as it streamed in (reporter
    # uploads, app/reporting/uploads.py): attached instead of written.
    pending: PendingFile | None = None


def keep_upload(session: Session, rt: Runtime, case: Case, key: CaseKey, upload: Upload, *,
                uploaded_by_kind: str, uploaded_by: User | None = None) -> Attachment:
    """Add an upload to the case in the caller's transaction."""
    if upload.pending is not None:
        return attach_pending(session, rt, case, key, upload.pending,
                              filename=upload.filename, content_type=upload.content_type,
                              uploaded_by_kind=uploaded_by_kind, uploaded_by=uploaded_by)
    return store_attachment(
        session, rt, case, key, filename=upload.filename, content_type=upload.content_type,
        chunks=upload.chunks,
        uploaded_by_kind=uploaded_by_kind, uploaded_by=uploaded_by,
        max_bytes=rt.settings.max_upload_mb * 1024 * 1024)


@dataclass
class NewReport:
    unit_id: int
    track: str
    channel: str
    category: str | None = None
    subcategory: str | None = None
    report: dict = field(default_factory=dict)
    identity: dict | None = None
    uploads: list[Upload] = field(default_factory=list)
    intake_channel: str = "web"


def new_case_number(session: Session) -> str:
    """A random reference such as MP-7KQ4-XW2N: it reveals neither order nor volume."""
    while True:
        raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        number = f"MP-{raw[:4]}-{raw[4:]}"
        if session.scalar(select(Case.id).where(Case.number == number)) is None:
            return number


def intake_officers(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).join(UserRole).where(
            UserRole.role == Role.INTAKE, User.active, User.public_key.is_not(None)
        )
    ).unique())


def attach_receipt(session: Session, rt: Runtime, case: Case, key: CaseKey, *,
                   handed_over: bool = False) -> ReceiptCode:
    """A fresh receipt code for the case: the reporter's wrap of the case key
    under it. `handed_over`: staff made it and give it to the reporter, who
    replaces it at the first sign-in (app/cases/mailbox.replace_code)."""
    code = generate_receipt_code()
    params = rt.settings.receipt_derivation
    salt = new_receipt_salt()
    derived = derive_receipt_secrets(code, rt.keyring.receipt_pepper, salt, params)
    session.add(Receipt(
        case_id=case.id,
        locator=receipt_locator(code, rt.keyring.receipt_pepper),
        salt=salt,
        kdf_params=params.to_json(),
        verifier=derived.verifier,
        wrapped_key=wrap_case_key_symmetric(key, derived.kek, case_id=case.number,
                                            recipient=RECEIPT_RECIPIENT),
        handed_over=handed_over,
    ))
    return code


@contextmanager
def new_case_transaction(session: Session, rt: Runtime) -> Iterator[list[Attachment]]:
    """One transaction for a new case: committed when the block ends, rolled
    back on any exception (re-raised). The block appends each attachment it
    keeps to the list it is given: if the transaction fails their files are
    removed from the store too, so nothing of the case is left behind."""
    stored: list[Attachment] = []
    try:
        with unit_of_work(session):
            yield stored
    except BaseException:
        discard_files(rt, stored)
        raise


def add_report(session: Session, rt: Runtime, new: NewReport, stored: list[Attachment], *,
               registered_by: User | None = None, with_receipt: bool = True,
               send_token: str | None = None) -> tuple[Case, ReceiptCode | None]:
    """Add the case, encrypted and wrapped, with its attachments, receipt and
    audit entry to the caller's transaction (see new_case_transaction); never
    commits. Each attachment kept is appended to `stored`. With a
    `send_token` (the reporter's form) a form sent before raises
    AlreadySent before anything else is added."""
    if new.track not in tuple(Track) or new.channel not in tuple(Channel):
        raise ValueError("unknown track or channel")
    if send_token is not None:
        use_send_token(session, rt, send_token)
    now = utcnow()
    key = new_case_key()
    case = Case(
        number=new_case_number(session), unit_id=new.unit_id, track=new.track,
        category=new.category, subcategory=new.subcategory, channel=new.channel,
        intake_channel=new.intake_channel, state="received", received_at=now,
        acknowledge_due_at=acknowledge_due(now, rt.settings),
        feedback_due_at=feedback_due(now, None, rt.settings),
    )
    session.add(case)
    session.flush()
    set_report(key, case, new.report, new.identity if new.channel != "anonymous" else None)
    for upload in new.uploads:
        stored.append(keep_upload(
            session, rt, case, key, upload,
            uploaded_by_kind="staff" if registered_by else "reporter",
            uploaded_by=registered_by))
    for officer in intake_officers(session):
        custody.wrap_for_user(session, case, key, officer)
    if registered_by is not None and registered_by.may_hold_cases:
        custody.wrap_for_user(session, case, key, registered_by, granted_by=registered_by)
    custody.wrap_for_recovery(session, case, key, rt.keyring.recovery_public)
    code = (attach_receipt(session, rt, case, key, handed_over=registered_by is not None)
            if with_receipt else None)
    rt.audit.record(
        session,
        actor=f"user:{registered_by.id}" if registered_by else "reporter",
        action=AuditAction.REPORT_REGISTERED if registered_by else AuditAction.REPORT_SUBMITTED,
        object_type="case", object_id=case.number,
    )
    return case, code


def submit_report(session: Session, rt: Runtime, new: NewReport, *,
                  registered_by: User | None = None, with_receipt: bool = True,
                  send_token: str | None = None) -> tuple[Case, ReceiptCode | None]:
    """Create the case, encrypted and wrapped, and commit it whole — or
    nothing, not even the files of its attachments. Owns its transaction.
    A `send_token` used before raises AlreadySent and creates nothing."""
    with new_case_transaction(session, rt) as stored:
        return add_report(session, rt, new, stored, registered_by=registered_by,
                          with_receipt=with_receipt, send_token=send_token)


@dataclass(frozen=True)
class MailboxAccess:
    case: Case
    key: CaseKey
    # The code was handed over by staff: it must be replaced before use.
    handed_over: bool = False


def open_mailbox(session: Session, rt: Runtime, entered_code: str) -> MailboxAccess | None:
    """Find and unlock the case for a receipt code, or None.

    A wrong code costs the same Argon2id work as a right one, so the time
    taken does not tell whether a code exists.
    """
    params = rt.settings.receipt_derivation
    code = normalise_receipt_code(entered_code)
    candidates: list[Receipt] = []
    if code is not None:
        candidates = list(session.scalars(
            select(Receipt).where(
                Receipt.locator == receipt_locator(code, rt.keyring.receipt_pepper)
            )
        ))
    if code is None or not candidates:
        burn_time_like_verify(params)
        return None
    for receipt in candidates:
        derived = verify_receipt(code, rt.keyring.receipt_pepper, receipt.salt,
                                 Argon2Params.from_json(receipt.kdf_params), receipt.verifier)
        if derived is None:
            continue
        case = session.get(Case, receipt.case_id)
        if case is None or case.shredded_at is not None:
            return None
        try:
            key = unwrap_case_key_symmetric(receipt.wrapped_key, derived.kek,
                                            case_id=case.number, recipient=RECEIPT_RECIPIENT)
        except CryptoError:
            return None
        return MailboxAccess(case=case, key=key, handed_over=receipt.handed_over)
    return None

"""The reporter's mailbox: signing in with the receipt code, keeping the
mailbox open across requests, and what the reporter can do there.

The open mailbox is a `ReporterSession` row: the SHA-256 of a random token
and the case key sealed (AES-GCM) under a key derived from a second random
secret. Only the reporter's cookie carries token and secret, so neither a
copy of the database nor the cookie alone opens the case. Closing the
mailbox, or 15 idle minutes, deletes the row and with it the sealed key.

Wrong codes are counted per minute and per locator bucket: the top 10 bits
of the keyed tag of the code that was tried (app/crypto/receipts.py).
Nothing about who tried (no IP address, no cookie) is stored. A bucket that
had too many wrong codes this minute refuses further codes of that bucket
before any Argon2id work; the other 1023 buckets go on. Without the server's
pepper nobody can aim guesses at the bucket of somebody else's code, so a
flood of wrong codes only spreads over all buckets: locking out one reporter
takes about the budget times 1024 wrong codes in one minute, each costing
the server a full Argon2id derivation, which the workers can not do that
fast (see SECURITY.md). Codes that can not be codes at all (wrong length or
letters) have a bucket of their own.
Every action is audit-logged with actor "reporter" and nothing that could
identify the reporter.

A code that staff handed over (they registered the report and gave the
reporter the printed code) is known to that staff member. A mailbox opened
with it opens nothing but `replace_code`: a fresh code, the reporter's wrap
made again under it and the old receipt row deleted, and then
`confirm_new_code`, the reporter typing the new code back.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cases import minutes as meeting_minutes
from app.cases import notify, workflow
from app.cases.content import (
    IDENTITY_FIELD,
    AttachmentView,
    MessageView,
    add_message,
    discard_files,
    encrypt_json,
    list_attachments,
    read_messages,
    read_report,
)
from app.cases.intake import attach_receipt, keep_upload, open_mailbox
from app.cases.uploads import CleanFile
from app.crypto.envelope import CaseKey, unwrap_case_key_symmetric, wrap_case_key_symmetric
from app.crypto.errors import CryptoError
from app.crypto.kdf import Argon2Params, hkdf_sha256
from app.crypto.receipts import (
    ReceiptCode,
    locator_bucket,
    normalise_receipt_code,
    receipt_locator,
    verify_receipt,
)
from app.crypto.tokens import b64, token_digest, unb64
from app.errors import Conflict, Invalid, NotAuthenticated, TooManyAttempts
from app.errors import NotAllowed as Refused
from app.models import (
    Attachment,
    Case,
    MailboxThrottle,
    Receipt,
    ReporterSession,
    utcnow,
)
from app.runtime import Runtime
from app.vocabulary import AuditAction, Channel, CloseReason, Measure, Outcome, State

IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_TIMEOUT = timedelta(hours=2)
THROTTLE_WINDOW = timedelta(minutes=1)
# Wrong codes per minute in one locator bucket. Guessing a code of 99 bits
# is hopeless at any rate; this budget keeps a flood's Argon2id work bounded
# per bucket while a flood aimed at everyone reaches a given reporter's
# bucket only with about THROTTLE_LIMIT x 1024 wrong codes a minute.
THROTTLE_LIMIT = 20
# The bucket of an entry that can not be a receipt code.
MALFORMED_BUCKET = -1
MAX_MESSAGE = 20_000


class MailboxThrottled(TooManyAttempts):
    """Too many wrong codes of this code's bucket in this minute."""

    area = "mailbox"
    default_code = "throttled"


class WrongCode(NotAuthenticated):
    """No mailbox opens with this code (never says whether it exists)."""

    area = "mailbox"
    default_code = "wrong_code"


class MailboxClosed(Conflict):
    """The action is not possible any more: the report is closed."""

    area = "mailbox"
    default_code = "closed"


class NotAllowed(Refused):
    """The action does not apply to this report (str() is a reason code)."""

    area = "mailbox"


class NewCodeFirst(NotAllowed):
    """The mailbox was opened with a code staff handed over: it opens nothing
    until the reporter has replaced that code and confirmed the new one."""

    default_code = "new_code_first"


class NewCodeMismatch(Invalid):
    """What the reporter typed is not their new code."""

    area = "mailbox"
    default_code = "new_code_mismatch"


@dataclass(frozen=True)
class MailboxCookie:
    token: str
    secret: str

    def __repr__(self) -> str:
        return "<MailboxCookie>"


@dataclass(frozen=True)
class OpenMailbox:
    row: ReporterSession
    case: Case
    key: CaseKey

    def __repr__(self) -> str:
        return f"<OpenMailbox {self.case.number}>"

    @property
    def must_replace_code(self) -> bool:
        """Opened with a code staff handed over, and no new code confirmed yet."""
        return self.row.new_code_pending


@dataclass(frozen=True)
class MailboxView:
    case: Case
    report: dict
    has_identity: bool
    messages: list[MessageView]
    attachments: list[AttachmentView]
    minutes: list[meeting_minutes.MinutesView] = field(default_factory=list)
    # Told to the reporter once the case is closed (None before, and after a
    # reopening); a measure only as "one was taken", never which one.
    outcome: Outcome | None = None
    measure_taken: bool = False


def _seal_key(secret: bytes, row_id: str) -> bytes:
    return hkdf_sha256(secret, b"meldpunt reporter session v1|" + row_id.encode())


def _recipient(row_id: str) -> str:
    return f"reporter-session:{row_id[:16]}"


def _window(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def sign_in_bucket(rt: Runtime, entered_code: str) -> int:
    """The throttle bucket of what was entered (cheap: one HMAC)."""
    code = normalise_receipt_code(entered_code)
    if code is None:
        return MALFORMED_BUCKET
    return locator_bucket(receipt_locator(code, rt.keyring.receipt_pepper))


def failures_this_window(session: Session, bucket: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    return session.scalar(
        select(MailboxThrottle.failures).where(MailboxThrottle.window_start == _window(now),
                                               MailboxThrottle.bucket == bucket)
    ) or 0


def _count_failure(session: Session, bucket: int, now: datetime) -> None:
    window = _window(now)
    this_row = (MailboxThrottle.window_start == window) & (MailboxThrottle.bucket == bucket)
    # Session.execute is typed Result; an UPDATE gives a CursorResult.
    changed = cast(CursorResult[Any], session.execute(
        update(MailboxThrottle).where(this_row).values(failures=MailboxThrottle.failures + 1)
    )).rowcount
    if not changed:
        try:
            with session.begin_nested():
                session.add(MailboxThrottle(window_start=window, bucket=bucket, failures=1))
        except IntegrityError:  # another request created this row just now
            session.execute(
                update(MailboxThrottle).where(this_row)
                .values(failures=MailboxThrottle.failures + 1)
            )
    # Old windows mean nothing any more.
    session.execute(delete(MailboxThrottle).where(MailboxThrottle.window_start < window))


def sign_in(session: Session, rt: Runtime, entered_code: str, *,
            limit: int = THROTTLE_LIMIT) -> tuple[OpenMailbox, MailboxCookie]:
    """Open the mailbox for a receipt code, or raise WrongCode / MailboxThrottled
    (when this code's bucket had `limit` wrong codes this minute)."""
    now = utcnow()
    bucket = sign_in_bucket(rt, entered_code)
    if failures_this_window(session, bucket, now) >= limit:
        rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_SIGN_IN_THROTTLED,
                        object_type="mailbox", result="denied")
        session.commit()
        raise MailboxThrottled
    access = open_mailbox(session, rt, entered_code)
    if access is None:
        _count_failure(session, bucket, now)
        rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_SIGN_IN_FAILED,
                        object_type="mailbox", result="failed")
        session.commit()
        raise WrongCode
    token = secrets.token_urlsafe(32)
    secret = secrets.token_bytes(32)
    row_id = token_digest(token)
    row = ReporterSession(
        id=row_id, case_id=access.case.id, created_at=now, last_seen_at=now,
        new_code_pending=access.handed_over,
        sealed_case_key=wrap_case_key_symmetric(access.key, _seal_key(secret, row_id),
                                                case_id=access.case.number,
                                                recipient=_recipient(row_id)),
    )
    session.add(row)
    # Rows of mailboxes left open are useless without their cookie; tidy up.
    purge_expired_mailboxes(session, now)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_OPENED,
                    object_type="case",
                    object_id=access.case.number)
    session.commit()
    return OpenMailbox(row=row, case=access.case, key=access.key), MailboxCookie(
        token=token, secret=b64(secret))


def find_open_mailbox(session: Session, cookie: MailboxCookie,
                      now: datetime | None = None) -> OpenMailbox | None:
    """The open mailbox for this cookie, or None (an expired one is deleted)."""
    now = now or utcnow()
    row = session.get(ReporterSession, token_digest(cookie.token))
    if row is None:
        return None
    case = session.get(Case, row.case_id)
    expired = (now - row.last_seen_at > IDLE_TIMEOUT
               or now - row.created_at > ABSOLUTE_TIMEOUT)
    if expired or case is None or case.shredded_at is not None:
        session.delete(row)
        session.commit()
        return None
    try:
        key = unwrap_case_key_symmetric(row.sealed_case_key,
                                        _seal_key(unb64(cookie.secret), row.id),
                                        case_id=case.number, recipient=_recipient(row.id))
    except (CryptoError, ValueError):
        return None
    row.last_seen_at = now
    session.commit()
    return OpenMailbox(row=row, case=case, key=key)


def close_mailbox(session: Session, rt: Runtime, mailbox: OpenMailbox) -> None:
    session.delete(mailbox.row)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_CLOSED,
                    object_type="case",
                    object_id=mailbox.case.number)
    session.commit()


def purge_expired_mailboxes(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    result = cast(CursorResult[Any], session.execute(delete(ReporterSession).where(
        (ReporterSession.last_seen_at < now - IDLE_TIMEOUT)
        | (ReporterSession.created_at < now - ABSOLUTE_TIMEOUT)
    )))
    return result.rowcount or 0


def _usable(mailbox: OpenMailbox) -> None:
    if mailbox.must_replace_code:
        raise NewCodeFirst


def handed_over_code_in_use(session: Session, mailbox: OpenMailbox) -> bool:
    """True while the case's receipt is still the code staff handed over;
    False once the reporter has a new one (confirmed or not)."""
    return bool(session.scalar(select(Receipt.handed_over)
                               .where(Receipt.case_id == mailbox.case.id)))


def replace_code(session: Session, rt: Runtime, mailbox: OpenMailbox) -> ReceiptCode:
    """A fresh receipt code for a mailbox opened with a code staff handed over
    (or again, while the new code is not confirmed: the reporter did not
    write it down). In one transaction the reporter's wrap is made under the
    new code, the old receipt row — locator, salt, verifier and wrap — is
    deleted, and so is every other mailbox open on this case (opened with the
    old code). Returns the code to show once; it is stored nowhere."""
    if not mailbox.must_replace_code:
        raise NotAllowed("no_new_code")
    case = mailbox.case
    # One replacement at a time per case; a mailbox another replacement
    # closed meanwhile replaces nothing.
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    if session.scalar(select(ReporterSession.id)
                      .where(ReporterSession.id == mailbox.row.id)) is None:
        session.rollback()
        raise NotAllowed("no_new_code")
    session.execute(delete(Receipt).where(Receipt.case_id == case.id))
    session.execute(delete(ReporterSession).where(ReporterSession.case_id == case.id,
                                                  ReporterSession.id != mailbox.row.id))
    code = attach_receipt(session, rt, case, mailbox.key)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_CODE_REPLACED,
                    object_type="case", object_id=case.number)
    session.commit()
    return code


def confirm_new_code(session: Session, rt: Runtime, mailbox: OpenMailbox,
                     entered_code: str) -> None:
    """The reporter types the new code back: then the mailbox opens. Raises
    NewCodeMismatch for anything else, the handed-over code included."""
    if not mailbox.must_replace_code:
        raise NotAllowed("no_new_code")
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == mailbox.case.id))
    code = normalise_receipt_code(entered_code)
    pepper = rt.keyring.receipt_pepper
    if (receipt is None or receipt.handed_over or code is None
            or not hmac.compare_digest(receipt.locator, receipt_locator(code, pepper))
            or verify_receipt(code, pepper, receipt.salt,
                              Argon2Params.from_json(receipt.kdf_params),
                              receipt.verifier) is None):
        raise NewCodeMismatch
    mailbox.row.new_code_pending = False
    session.commit()


def view_mailbox(session: Session, rt: Runtime, mailbox: OpenMailbox) -> MailboxView:
    _usable(mailbox)
    case = mailbox.case
    outcome = case.outcome if case.state == State.CLOSED else None
    view = MailboxView(
        case=case,
        report=read_report(mailbox.key, case),
        has_identity=case.identity_ciphertext is not None,
        messages=read_messages(session, case, mailbox.key, for_reporter=True),
        attachments=list_attachments(session, case, mailbox.key, for_reporter=True),
        minutes=meeting_minutes.read_minutes(session, case, mailbox.key, for_reporter=True),
        outcome=outcome,
        measure_taken=(outcome == Outcome.FOUNDED
                       and case.measure not in (None, Measure.NONE)),
    )
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_READ, object_type="case",
                    object_id=case.number)
    session.commit()
    return view


def _open_case(mailbox: OpenMailbox) -> Case:
    _usable(mailbox)
    if mailbox.case.state == State.CLOSED:
        raise MailboxClosed
    return mailbox.case


def send_message(session: Session, rt: Runtime, mailbox: OpenMailbox, body: str,
                 action: AuditAction = AuditAction.MAILBOX_MESSAGE_SENT) -> None:
    case = _open_case(mailbox)
    body = body.strip()
    if not body:
        raise NotAllowed("empty")
    add_message(session, case, mailbox.key, body[:MAX_MESSAGE], author_kind="reporter")
    notify.reporter_event(session, rt, case, notify.EVENT_OF_ACTION[action])
    rt.audit.record(session, actor="reporter", action=action, object_type="case",
                    object_id=case.number)
    session.commit()


def request_meeting(session: Session, rt: Runtime, mailbox: OpenMailbox, heading: str,
                    note: str) -> None:
    """A message the handler sees as a request for a meeting (oral report,
    Directive art. 9(2)); the heading is in the reporter's language."""
    text = heading + ("\n\n" + note.strip() if note.strip() else "")
    send_message(session, rt, mailbox, text, action=AuditAction.MAILBOX_MEETING_REQUESTED)


def approve_minutes(session: Session, rt: Runtime, mailbox: OpenMailbox, minutes_id: int,
                    version: int) -> None:
    """The reporter agrees with this version of the minutes of a meeting.
    Raises meeting_minutes.MinutesError when the minutes are not this
    case's, or are no longer waiting for this version."""
    meeting_minutes.reporter_approve(session, rt, _open_case(mailbox), minutes_id, version)


def correct_minutes(session: Session, rt: Runtime, mailbox: OpenMailbox, minutes_id: int,
                    version: int, corrections: str) -> None:
    meeting_minutes.reporter_correct(session, rt, _open_case(mailbox), mailbox.key, minutes_id,
                                     version, corrections)


def add_files(session: Session, rt: Runtime, mailbox: OpenMailbox,
              files: list[CleanFile]) -> int:
    case = _open_case(mailbox)
    if not files:
        raise NotAllowed("no_files")
    stored: list[Attachment] = []
    try:
        for clean in files:
            stored.append(keep_upload(session, rt, case, mailbox.key, clean.as_upload(),
                                      uploaded_by_kind="reporter"))
        rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_FILES_ADDED,
                        object_type="case", object_id=case.number)
        session.commit()
    except BaseException:
        session.rollback()
        discard_files(rt, stored)
        raise
    return len(stored)


def set_consent(session: Session, rt: Runtime, mailbox: OpenMailbox, give: bool) -> None:
    """Consent for the vertrouwenspersoon to pass the case to the integrity
    coordinator. `consent_given_at` is set only while consent stands."""
    case = _open_case(mailbox)
    if case.track != "advice":
        raise NotAllowed("not_advice")
    now = utcnow()
    if give:
        case.consent_given_at = now
        case.consent_withdrawn_at = None
    else:
        case.consent_given_at = None
        case.consent_withdrawn_at = now
    notify.reporter_event(session, rt, case, "consent_given" if give else "consent_withdrawn")
    rt.audit.record(session, actor="reporter",
                    action=(AuditAction.MAILBOX_CONSENT_GIVEN if give
                            else AuditAction.MAILBOX_CONSENT_WITHDRAWN),
                    object_type="case", object_id=case.number)
    session.commit()


def disclose_identity(session: Session, rt: Runtime, mailbox: OpenMailbox, channel: str,
                      identity: dict) -> None:
    """An anonymous reporter makes themselves known, confidentially or openly."""
    case = _open_case(mailbox)
    if channel not in ("confidential", "open"):
        raise NotAllowed("channel")
    if case.channel != "anonymous":
        raise NotAllowed("already_known")
    if not identity.get("name"):
        raise NotAllowed("name_required")
    case.identity_ciphertext = encrypt_json(mailbox.key, case, IDENTITY_FIELD, identity)
    case.channel = Channel(channel)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_IDENTITY_DISCLOSED,
                    object_type="case", object_id=case.number)
    session.commit()


def withdraw(session: Session, rt: Runtime, mailbox: OpenMailbox) -> None:
    case = _open_case(mailbox)
    now = utcnow()
    workflow.enter(session, rt, case, "withdraw", workflow.REPORTER)
    case.close_reason = CloseReason.WITHDRAWN
    case.outcome = Outcome.WITHDRAWN
    case.closed_at = now
    session.commit()


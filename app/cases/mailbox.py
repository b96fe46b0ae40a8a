"""The reporter's mailbox: signing in with the receipt code, keeping the
mailbox open across requests, and what the reporter can do there.

The open mailbox is a `ReporterSession` row: the SHA-256 of a random token
and the reporter's private key (which opens their compartments of the case)
sealed (AES-GCM) under a key derived from a second random secret. Only the
reporter's cookie carries token and secret, so neither a copy of the
database nor the cookie alone opens the case. Closing the mailbox, or 15
idle minutes, deletes the row and with it the sealed key.

The row keeps the day it was opened, nothing finer (app/daytime.py: the
moments of a reporter's visits could be joined with proxy logs). The times
the limits are counted from travel in the reporter's signed cookie instead
(`MailboxCookie.opened_at`, `seen_at`), never stored: the moment it was
opened is also bound into the seal of the row's key, so a cookie that claims
another one opens nothing, and a cookie whose idle or absolute limit has
passed closes the mailbox and deletes its row. A row whose cookie never
comes back is deleted once its day and the next have passed
(`purge_expired_mailboxes`, at every sign-in).

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

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import floods
from app.cases import custody, notify, reporter_contact, workflow
from app.cases import minutes as meeting_minutes
from app.cases.content import (
    IDENTITY_FIELD,
    AttachmentView,
    MessageView,
    add_message,
    discard_files,
    encrypt_json,
    list_attachments,
    read_identity,
    read_messages,
    read_report,
)
from app.cases.intake import issue_receipt, keep_upload, open_mailbox, reporter_keys
from app.cases.uploads import CleanFile, with_neutral_names
from app.crypto import secretbox
from app.crypto.compartments import IDENTITY, CaseKeys
from app.crypto.errors import CryptoError
from app.crypto.kdf import Argon2Params, hkdf_sha256
from app.crypto.keys import PrivateKey
from app.crypto.receipts import (
    ReceiptCode,
    locator_bucket,
    normalise_receipt_code,
    receipt_locator,
    verify_receipt,
)
from app.crypto.tokens import b64, token_digest, unb64
from app.daytime import reporter_action
from app.errors import Conflict, Invalid, NotAuthenticated, TooManyAttempts
from app.errors import NotAllowed as Refused
from app.localtime import local_date, start_of_day
from app.models import (
    Attachment,
    Case,
    IdentityConsent,
    KeyWrap,
    MailboxThrottle,
    Receipt,
    ReporterSession,
    Unit,
    utcnow,
)
from app.runtime import Runtime
from app.vocabulary import (
    AuditAction,
    Channel,
    CloseReason,
    Measure,
    Outcome,
    Role,
    State,
    Track,
    UnitKind,
)

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
    # When the mailbox was opened (whole seconds: bound into the row's seal)
    # and last used: the limits count from these; the database keeps neither.
    opened_at: datetime
    seen_at: datetime

    def __repr__(self) -> str:
        return "<MailboxCookie>"


@dataclass(frozen=True)
class OpenMailbox:
    row: ReporterSession
    case: Case
    key: CaseKeys
    private_key: PrivateKey
    # What seals the private key in the row (from the cookie's secret): a
    # new code's key pair is sealed in the same row.
    seal_key: bytes
    # From the cookie, never stored: when it was opened, and this visit.
    opened_at: datetime
    seen_at: datetime

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
    # Who the reporter's consent lets learn their name ("ic", "bureau:<id>"),
    # and the bureaus they could name (recipient, name).
    name_consents: frozenset[str] = frozenset()
    bureaus: tuple[tuple[str, str], ...] = ()
    # The news e-mail: offered on this installation, and an address left.
    news_available: bool = False
    news_address: bool = False


def _seal_key(secret: bytes, row_id: str) -> bytes:
    return hkdf_sha256(secret, b"meldpunt reporter session v1|" + row_id.encode())


def _seal_aad(row_id: str, opened_at: datetime) -> bytes:
    return (b"meldpunt-reporter-session-key-v2\0" + row_id.encode()
            + b"\0" + str(int(opened_at.timestamp())).encode())


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


@reporter_action
def sign_in(session: Session, rt: Runtime, entered_code: str, *,
            limit: int = THROTTLE_LIMIT) -> tuple[OpenMailbox, MailboxCookie]:
    """Open the mailbox for a receipt code, or raise WrongCode / MailboxThrottled
    (when this code's bucket had `limit` wrong codes this minute)."""
    now = utcnow().replace(microsecond=0)
    bucket = sign_in_bucket(rt, entered_code)
    if failures_this_window(session, bucket, now) >= limit:
        rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_SIGN_IN_THROTTLED,
                        object_type="mailbox", result="denied")
        session.commit()
        raise MailboxThrottled
    access = open_mailbox(session, rt, entered_code)
    if access is None:
        _count_failure(session, bucket, now)
        # Nobody is locked out by a flood, so somebody must hear of it.
        floods.check_mailbox_flood(session, rt, _window(now))
        rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_SIGN_IN_FAILED,
                        object_type="mailbox", result="failed")
        session.commit()
        raise WrongCode
    token = secrets.token_urlsafe(32)
    secret = secrets.token_bytes(32)
    row_id = token_digest(token)
    row = ReporterSession(
        id=row_id, case_id=access.case.id, created_at=now,  # kept as its day
        new_code_pending=access.handed_over,
        sealed_case_key=secretbox.seal(_seal_key(secret, row_id), access.private_key.raw(),
                                       _seal_aad(row_id, now)),
    )
    session.add(row)
    if not access.handed_over:
        # Consent that names a holder who does not have the identity yet
        # (routed after the report was sent): the reporter's keys pass it on.
        custody.pass_identity(session, rt, access.case, access.key)
    # Rows of mailboxes left open are useless without their cookie; tidy up.
    purge_expired_mailboxes(session, rt, now)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_OPENED,
                    object_type="case",
                    object_id=access.case.number)
    session.commit()
    return OpenMailbox(row=row, case=access.case, key=access.key,
                       private_key=access.private_key,
                       seal_key=_seal_key(secret, row_id), opened_at=now,
                       seen_at=now), MailboxCookie(
        token=token, secret=b64(secret), opened_at=now, seen_at=now)


def find_open_mailbox(session: Session, cookie: MailboxCookie,
                      now: datetime | None = None) -> OpenMailbox | None:
    """The open mailbox for this cookie, or None. A cookie past the idle or
    the absolute limit (its own times: the database keeps only the day)
    closes the mailbox: the row is deleted."""
    now = now or utcnow()
    row = session.get(ReporterSession, token_digest(cookie.token))
    if row is None:
        return None
    case = session.get(Case, row.case_id)
    expired = (now - cookie.seen_at > IDLE_TIMEOUT
               or now - cookie.opened_at > ABSOLUTE_TIMEOUT)
    if expired or case is None or case.shredded_at is not None:
        session.delete(row)
        session.commit()
        return None
    try:
        seal_key = _seal_key(unb64(cookie.secret), row.id)
        # The moment it was opened is bound into the seal: a cookie that
        # moved it (to stretch the absolute limit) opens nothing.
        private = PrivateKey.from_raw(secretbox.open_sealed(
            seal_key, row.sealed_case_key, _seal_aad(row.id, cookie.opened_at)))
        keys = reporter_keys(session, case, private)
    except (CryptoError, ValueError, OverflowError):
        return None
    return OpenMailbox(row=row, case=case, key=keys, private_key=private, seal_key=seal_key,
                       opened_at=cookie.opened_at, seen_at=now)


@reporter_action
def close_mailbox(session: Session, rt: Runtime, mailbox: OpenMailbox) -> None:
    session.delete(mailbox.row)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_CLOSED,
                    object_type="case",
                    object_id=mailbox.case.number)
    session.commit()


def purge_expired_mailboxes(session: Session, rt: Runtime, now: datetime | None = None) -> int:
    """Delete the rows of mailboxes that must have closed: opened before
    yesterday (a row keeps only its day; a mailbox lives at most
    ABSOLUTE_TIMEOUT, so one opened late yesterday may still be open)."""
    zone = rt.settings.zone
    today = local_date(now or utcnow(), zone)
    result = cast(CursorResult[Any], session.execute(delete(ReporterSession).where(
        ReporterSession.created_at < start_of_day(today - timedelta(days=1), zone))))
    return result.rowcount or 0


def _usable(mailbox: OpenMailbox) -> None:
    if mailbox.must_replace_code:
        raise NewCodeFirst


def handed_over_code_in_use(session: Session, mailbox: OpenMailbox) -> bool:
    """True while the case's receipt is still the code staff handed over;
    False once the reporter has a new one (confirmed or not)."""
    return bool(session.scalar(select(Receipt.handed_over)
                               .where(Receipt.case_id == mailbox.case.id)))


@reporter_action
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
    code, private = issue_receipt(session, rt, case, mailbox.key)
    # This mailbox goes on with the new key pair (the old one's wraps are gone).
    mailbox.row.sealed_case_key = secretbox.seal(mailbox.seal_key, private.raw(),
                                                 _seal_aad(mailbox.row.id, mailbox.opened_at))
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_CODE_REPLACED,
                    object_type="case", object_id=case.number)
    session.commit()
    return code


@reporter_action
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


@reporter_action
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
        name_consents=frozenset(name_consents(session, case)),
        bureaus=tuple((custody.bureau_consent(unit.id), unit.name) for unit in session.scalars(
            select(Unit).where(Unit.kind == UnitKind.BUREAU, Unit.active).order_by(Unit.name))),
        news_available=reporter_contact.available(rt),
        news_address=reporter_contact.has_address(session, case),
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


@reporter_action
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


@reporter_action
def request_meeting(session: Session, rt: Runtime, mailbox: OpenMailbox, heading: str,
                    note: str) -> None:
    """A message the handler sees as a request for a meeting (oral report,
    Directive art. 9(2)); the heading is in the reporter's language."""
    text = heading + ("\n\n" + note.strip() if note.strip() else "")
    send_message(session, rt, mailbox, text, action=AuditAction.MAILBOX_MEETING_REQUESTED)


@reporter_action
def approve_minutes(session: Session, rt: Runtime, mailbox: OpenMailbox, minutes_id: int,
                    version: int) -> None:
    """The reporter agrees with this version of the minutes of a meeting.
    Raises meeting_minutes.MinutesError when the minutes are not this
    case's, or are no longer waiting for this version."""
    meeting_minutes.reporter_approve(session, rt, _open_case(mailbox), minutes_id, version)


@reporter_action
def correct_minutes(session: Session, rt: Runtime, mailbox: OpenMailbox, minutes_id: int,
                    version: int, corrections: str) -> None:
    meeting_minutes.reporter_correct(session, rt, _open_case(mailbox), mailbox.key, minutes_id,
                                     version, corrections)


@reporter_action
def add_files(session: Session, rt: Runtime, mailbox: OpenMailbox,
              files: list[CleanFile], *, neutral_names: bool = False) -> int:
    """Add checked files to the report; with `neutral_names` they are called
    "bijlage-<n>", numbered on from the files the reporter already added."""
    case = _open_case(mailbox)
    if not files:
        raise NotAllowed("no_files")
    if neutral_names:
        earlier = session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.case_id == case.id, Attachment.uploaded_by_kind == "reporter")) or 0
        files = with_neutral_names(files, first=earlier + 1)
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


@reporter_action
def set_news_address(session: Session, rt: Runtime, mailbox: OpenMailbox, address: str) -> None:
    """The reporter opts in to the content-free news e-mail (or changes the
    address): kept sealed for the sender only (app/cases/reporter_contact.py)."""
    case = _open_case(mailbox)
    reporter_contact.set_address(session, rt, case, address)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_NEWS_ADDRESS_SET,
                    object_type="case", object_id=case.number)
    session.commit()


@reporter_action
def remove_news_address(session: Session, rt: Runtime, mailbox: OpenMailbox) -> None:
    _usable(mailbox)
    if reporter_contact.remove_address(session, mailbox.case):
        rt.audit.record(session, actor="reporter",
                        action=AuditAction.MAILBOX_NEWS_ADDRESS_REMOVED, object_type="case",
                        object_id=mailbox.case.number)
    session.commit()


@reporter_action
def set_consent(session: Session, rt: Runtime, mailbox: OpenMailbox, give: bool) -> None:
    """Consent for the vertrouwenspersoon to pass the case to the integrity
    coordinator. `consent_given_at` is set only while consent stands."""
    case = _advice_case(mailbox)
    now = utcnow()
    if give:
        case.consent_given_at = now
        case.consent_withdrawn_at = None
    else:
        case.consent_given_at = None
        case.consent_withdrawn_at = now
    _consent_recorded(session, rt, case, give, AuditAction.MAILBOX_CONSENT_GIVEN,
                      AuditAction.MAILBOX_CONSENT_WITHDRAWN)


def _consent_recorded(session: Session, rt: Runtime, case: Case, give: bool,
                      given: AuditAction, withdrawn: AuditAction) -> None:
    """The end of every consent change: the handlers are told (without
    content), the audit log records it, and it is committed."""
    notify.reporter_event(session, rt, case, "consent_given" if give else "consent_withdrawn")
    rt.audit.record(session, actor="reporter", action=given if give else withdrawn,
                    object_type="case", object_id=case.number)
    session.commit()


def _advice_case(mailbox: OpenMailbox) -> Case:
    case = _open_case(mailbox)
    if case.track != Track.ADVICE:
        raise NotAllowed("not_advice")
    return case


@dataclass(frozen=True)
class PassOnRequest:
    """What the reporter agrees to (or no longer agrees to) when the
    vertrouwenspersoon may pass the case on: told on a page of its own
    before it takes effect."""

    case: Case
    give: bool
    # Consent on record now.
    standing: bool
    # The integrity coordinators of this unit receive it.
    unit_name: str
    # The reporter's name is in the case, and whether it goes along (the
    # reporter's consent that names the integrity coordinator).
    has_identity: bool
    name_goes_along: bool


def pass_on_request(session: Session, rt: Runtime, mailbox: OpenMailbox,
                    give: bool) -> PassOnRequest:
    """What giving or withdrawing consent to pass the case on means, for the
    confirmation page. Changes nothing; the look is audit-logged."""
    case = _advice_case(mailbox)
    request = PassOnRequest(
        case=case, give=give, standing=workflow.has_consent(case),
        unit_name=case.unit.name,
        has_identity=case.identity_ciphertext is not None,
        name_goes_along=custody.consent_stands(session, case, custody.IDENTITY_CONSENT[Role.IC]),
    )
    _read_logged(session, rt, case)
    return request


def _read_logged(session: Session, rt: Runtime, case: Case) -> None:
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_READ,
                    object_type="case", object_id=case.number)
    session.commit()


def bureau_recipient(session: Session, value: str) -> str | None:
    """"bureau:<id>" for an active external investigation bureau, else None."""
    kind, _, ref = value.partition(":")
    if kind != "bureau" or not ref.isdigit():
        return None
    unit = session.get(Unit, int(ref))
    if unit is None or unit.kind != UnitKind.BUREAU or not unit.active:
        return None
    return custody.bureau_consent(unit.id)


def name_consents(session: Session, case: Case) -> set[str]:
    """The recipients the reporter's standing consent to pass on their name names."""
    return set(session.scalars(select(IdentityConsent.recipient).where(
        IdentityConsent.case_id == case.id, IdentityConsent.withdrawn_at.is_(None))))


def _name_case(session: Session, mailbox: OpenMailbox, recipient: str) -> Case:
    """The open case, when the reporter's name is in it and `recipient` is
    one they may name: "ic" or an active bureau's "bureau:<id>"."""
    case = _open_case(mailbox)
    if case.identity_ciphertext is None:
        raise NotAllowed("no_identity")
    if recipient != "ic" and bureau_recipient(session, recipient) is None:
        raise NotAllowed("recipient")
    return case


@reporter_action
def set_name_consent(session: Session, rt: Runtime, mailbox: OpenMailbox, recipient: str,
                     give: bool) -> None:
    """The reporter agrees, or no longer agrees, that one recipient — "ic"
    (the integrity coordinators handling the case) or "bureau:<id>" — may
    learn their identity. Giving it passes the identity at once to the
    holders it covers; withdrawing takes it from them and moves the identity
    to a new key generation. Recorded and audit-logged."""
    case = _name_case(session, mailbox, recipient)
    now = utcnow()
    standing = session.scalars(select(IdentityConsent).where(
        IdentityConsent.case_id == case.id, IdentityConsent.recipient == recipient,
        IdentityConsent.withdrawn_at.is_(None))).all()
    if give and not standing:
        session.add(IdentityConsent(case_id=case.id, recipient=recipient, given_at=now))
        session.flush()
        custody.pass_identity(session, rt, case, mailbox.key)
    elif not give and standing:
        for row in standing:
            row.withdrawn_at = now
        session.flush()
        custody.withhold_identity(session, rt, case, recipient, mailbox.key)
    _consent_recorded(session, rt, case, give, AuditAction.MAILBOX_NAME_CONSENT_GIVEN,
                      AuditAction.MAILBOX_NAME_CONSENT_WITHDRAWN)


@dataclass(frozen=True)
class NameConsentRequest:
    """What the reporter agrees to when one recipient may (or may no longer)
    see their name: told on a page of its own before it takes effect."""

    case: Case
    recipient: str
    give: bool
    standing: bool
    # The bureau's name for "bureau:<id>"; None for the integrity coordinator.
    bureau_name: str | None
    # Exactly what the recipient would see: the reporter's name and contact
    # details as they gave them.
    identity: dict[str, str]

    def __repr__(self) -> str:  # never the identity in a log line
        return f"<NameConsentRequest {self.case.number} {self.recipient}>"


def name_consent_request(session: Session, rt: Runtime, mailbox: OpenMailbox, recipient: str,
                         give: bool) -> NameConsentRequest:
    """What giving or withdrawing consent for one recipient to see the name
    means, for the confirmation page. Changes nothing; reading the identity
    (with the reporter's own keys) is audit-logged."""
    case = _name_case(session, mailbox, recipient)
    bureau = None
    if recipient != "ic":
        unit = session.get(Unit, int(recipient.partition(":")[2]))
        bureau = unit.name if unit is not None else None
    request = NameConsentRequest(
        case=case, recipient=recipient, give=give,
        standing=recipient in name_consents(session, case), bureau_name=bureau,
        identity=read_identity(mailbox.key, case) or {},
    )
    _read_logged(session, rt, case)
    return request


@reporter_action
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
    case.identity_ciphertext = encrypt_json(mailbox.key, case, IDENTITY_FIELD, identity,
                                            compartment=IDENTITY)
    case.channel = Channel(channel)
    if case.track == Track.REPORT:
        # As on the form: the integrity coordinators handling it know the name.
        session.add(IdentityConsent(case_id=case.id, recipient="ic", given_at=utcnow()))
        session.flush()
    # Only the reporter and the recovery key hold it until the reporter
    # names a recipient (set_name_consent) — or the VP they came to.
    holders = session.scalars(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                    KeyWrap.user_id.is_not(None))).all()
    for holder in holders:
        if holder.user is not None and custody.holding_role(holder.user, case) == Role.VP:
            custody.wrap_for_user(session, rt, case, mailbox.key, holder.user, actor="reporter",
                                  compartments=[IDENTITY])
    custody.pass_identity(session, rt, case, mailbox.key)
    rt.audit.record(session, actor="reporter", action=AuditAction.MAILBOX_IDENTITY_DISCLOSED,
                    object_type="case", object_id=case.number)
    session.commit()


@reporter_action
def withdraw(session: Session, rt: Runtime, mailbox: OpenMailbox) -> None:
    case = _open_case(mailbox)
    now = utcnow()
    workflow.enter(session, rt, case, "withdraw", workflow.REPORTER)
    case.close_reason = CloseReason.WITHDRAWN
    case.outcome = Outcome.WITHDRAWN
    case.closed_at = now
    session.commit()


"""Filing a report and the reporter's way back in (the mailbox).

A new case gets fresh compartment keys (app/crypto/compartments.py). The
first holders are chosen by track: a formal report goes to the intake
officers (without the identity), a request for a vertrouwenspersoon goes
straight to the VP the reporter chose, or else to the VPs who serve the unit
(intake sees its metadata only), a
report staff registered goes to whoever registered it. A member of staff
whose name is one the reporter gives in the form is left out before any
wrap is made (app/cases/persons.py `staff_named_in`), so no key of the case is
ever written for them, not even in a row version rolled over later. The
recovery key holds everything; the reporter holds report, identity and conversation
through a key pair of their own whose private half is sealed under a key
derived from the receipt code.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts import trust
from app.cases import custody, legacy
from app.cases.content import (
    PendingFile,
    attach_pending,
    discard_files,
    set_report,
    store_attachment,
)
from app.cases.deadlines import acknowledge_due, feedback_due
from app.cases.persons import PersonDetails, add_reported_persons, staff_named_in
from app.crypto.compartments import CaseKeys
from app.crypto.errors import CryptoError
from app.crypto.kdf import Argon2Params
from app.crypto.keys import PrivateKey
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
from app.daytime import reporter_driven, reporter_today
from app.errors import Conflict
from app.models import (
    Attachment,
    Case,
    IdentityConsent,
    KeyWrap,
    Receipt,
    SendToken,
    Unit,
    User,
    UserRole,
    utcnow,
)
from app.runtime import Runtime
from app.transactions import unit_of_work
from app.vocabulary import AuditAction, Channel, Role, Track, UnitKind

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


def keep_upload(session: Session, rt: Runtime, case: Case, key: CaseKeys, upload: Upload, *,
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
    # The people the reporter named in the form (app/cases/persons.py).
    persons: list[PersonDetails] = field(default_factory=list)


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


def counsellor_pool(session: Session, unit_id: int) -> list[User]:
    """The vertrouwenspersonen a request for a VP goes to: those of the unit,
    the central ones and the external ones (they serve every unit)."""
    return list(session.scalars(
        select(User).join(UserRole).join(Unit, Unit.id == User.unit_id).where(
            UserRole.role == Role.VP, User.active, User.public_key.is_not(None),
            (User.unit_id == unit_id) | Unit.kind.in_([UnitKind.CENTRAL, UnitKind.EXTERNAL]),
        ).order_by(User.id)
    ).unique())


def attach_receipt(session: Session, rt: Runtime, case: Case, keys: CaseKeys, *,
                   handed_over: bool = False) -> ReceiptCode:
    return issue_receipt(session, rt, case, keys, handed_over=handed_over)[0]


def issue_receipt(session: Session, rt: Runtime, case: Case, keys: CaseKeys, *,
                  handed_over: bool = False) -> tuple[ReceiptCode, PrivateKey]:
    code = generate_receipt_code()
    params = rt.settings.receipt_derivation
    salt = new_receipt_salt()
    derived = derive_receipt_secrets(code, rt.keyring.receipt_pepper, salt, params)
    receipt = Receipt(
        case_id=case.id,
        locator=receipt_locator(code, rt.keyring.receipt_pepper),
        salt=salt,
        kdf_params=params.to_json(),
        verifier=derived.verifier,
        handed_over=handed_over,
    )
    session.add(receipt)
    return code, custody.issue_reporter_keys(session, rt, case, receipt, derived.kek, keys)


def _only(user: User | None) -> list[User]:
    return [user] if user is not None else []


def _chosen_counsellor(session: Session, report: dict) -> User | None:
    """The VP the reporter chose on the form, if they can hold the case."""
    chosen = report.get("preferred_counsellor_id")
    user = session.get(User, int(chosen)) if isinstance(chosen, int | str) and str(
        chosen).isdigit() else None
    if user is None or not user.active or user.public_key is None or not user.has_role(Role.VP):
        return None
    return user


def _endorsed(session: Session, rt: Runtime, case: Case, users: list[User],
              role: Role) -> list[User]:
    """The users whose key is endorsed for this role. Anyone else who would
    have received the case (a row a database writer added, a revoked key)
    gets nothing, and the refusal is in the audit log for the case."""
    kept = []
    for user in users:
        if trust.endorsed(session, rt, user, role):
            kept.append(user)
        else:
            rt.audit.record(session, actor="system", action=AuditAction.KEYS_WRAP_REFUSED,
                            object_type="case", object_id=case.number,
                            target=custody.recipient_for(user), result="denied")
    return kept


def _first_holders(session: Session, rt: Runtime, case: Case, keys: CaseKeys,
                   registered_by: User | None, report: dict,
                   named: Collection[int] = ()) -> set[int]:
    """Who holds a new case (see the module's docstring): only endorsed keys,
    and never a member of staff the reporter named (`named`: user ids) — no
    wrap is made for them at all. Returns the ids of the named who would
    otherwise have held it (lifting their exclusion as namesakes gives it)."""
    withheld: set[int] = set()

    def unnamed(users: list[User]) -> list[User]:
        withheld.update(user.id for user in users if user.id in named)
        return [user for user in users if user.id not in named]

    if registered_by is not None and registered_by.has_role(Role.VP) and not (
            registered_by.has_role(Role.INTAKE)):
        # Heard by the VP: theirs alone.
        for counsellor in unnamed([registered_by]):
            custody.wrap_for_user(session, rt, case, keys, counsellor, granted_by=registered_by,
                                  role=Role.VP, log=False, fresh=True)
    elif (registered_by is None and case.track == Track.ADVICE
          and (pool := unnamed(_endorsed(session, rt, case,
                                         _only(_chosen_counsellor(session, report)), Role.VP))
               or unnamed(_endorsed(session, rt, case, counsellor_pool(session, case.unit_id),
                                    Role.VP)))):
        for counsellor in pool:
            custody.wrap_for_user(session, rt, case, keys, counsellor, role=Role.VP, log=False,
                                  fresh=True)
    else:
        officers = _endorsed(session, rt, case, intake_officers(session), Role.INTAKE)
        if registered_by is not None and registered_by.may_hold_cases and (
                registered_by not in officers):
            officers.append(registered_by)
        for officer in unnamed(officers):
            custody.wrap_for_user(session, rt, case, keys, officer, role=Role.INTAKE,
                                  granted_by=registered_by, log=False, fresh=True)
    custody.wrap_for_recovery(session, rt, case, keys, rt.keyring.recovery_public,
                              fresh=True)
    return withheld


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
    # The day of receipt, not its time (app/daytime.py): the deadlines are
    # days on the same calendar. Also for a report staff registered: the
    # reporter chose the moment of the call or the letter.
    now = reporter_today(rt.settings.zone)
    case = Case(
        number=new_case_number(session), unit_id=new.unit_id, track=new.track,
        category=new.category, subcategory=new.subcategory, channel=new.channel,
        intake_channel=new.intake_channel, state="received", received_at=now,
        acknowledge_due_at=acknowledge_due(now, rt.settings),
        feedback_due_at=feedback_due(now, None, rt.settings),
    )
    session.add(case)
    session.flush()
    key = custody.new_case_keys(case)
    identity = new.identity if new.channel != Channel.ANONYMOUS else None
    set_report(key, case, new.report, identity)
    if identity and new.track == Track.REPORT:
        # Confidential or open on a formal report: the form promised that
        # the people handling it (the integrity coordinators) know the name.
        # Recorded as consent that names them; withdrawn in the mailbox.
        session.add(IdentityConsent(case_id=case.id, recipient="ic", given_at=now))
    for upload in new.uploads:
        stored.append(keep_upload(
            session, rt, case, key, upload,
            uploaded_by_kind="staff" if registered_by else "reporter",
            uploaded_by=registered_by))
    # The people the reporter names are matched against staff first: a named
    # member of staff gets no wrap, so no key of the case is ever written
    # for them (not even in a row version that an exclusion rolls over).
    named = staff_named_in(session, rt, new.persons)
    # Each holder's endorsement verified once (trust.remembered), and without
    # autoflush: the holders' queries (who may hold it, their endorsements)
    # do not read the wraps made here, and their rows then go to the
    # database in one batch per table instead of two inserts each.
    with trust.remembered(session), session.no_autoflush:
        withheld = _first_holders(session, rt, case, key, registered_by, new.report,
                                  {user.id for user in named})
    code = (attach_receipt(session, rt, case, key, handed_over=registered_by is not None)
            if with_receipt else None)
    add_reported_persons(session, rt, case, key, new.persons, named=named, withheld=withheld)
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
    A `send_token` used before raises AlreadySent and creates nothing.
    Sent by the reporter, everything it writes keeps the day only."""
    acting = (reporter_driven(session, rt.settings.zone) if registered_by is None
              else nullcontext())
    with acting, new_case_transaction(session, rt) as stored:
        return add_report(session, rt, new, stored, registered_by=registered_by,
                          with_receipt=with_receipt, send_token=send_token)


@dataclass(frozen=True)
class MailboxAccess:
    case: Case
    key: CaseKeys
    # The reporter's private key: what an open mailbox keeps (sealed).
    private_key: PrivateKey
    # The code was handed over by staff: it must be replaced before use.
    handed_over: bool = False


def reporter_keys(session: Session, case: Case, private_key: PrivateKey) -> CaseKeys:
    """The reporter's compartments, opened with their private key."""
    holder = session.scalar(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                  KeyWrap.recipient == custody.REPORTER))
    if holder is None:
        raise CryptoError("the reporter holds no keys of this case")
    return custody.open_holder(case, holder, private_key)


def open_mailbox(session: Session, rt: Runtime, entered_code: str) -> MailboxAccess | None:
    """Find and unlock the case for a receipt code, or None.

    A wrong code costs the same Argon2id work as a right one, so the time
    taken does not tell whether a code exists. A receipt from before
    compartments gets its key pair here (app/cases/legacy.py).
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
            if receipt.private_key_ciphertext is None:
                legacy.upgrade_receipt(session, rt, case, receipt, derived.kek)
            private = custody.open_reporter_key(receipt, case, derived.kek)
            keys = reporter_keys(session, case, private)
        except CryptoError:
            return None
        return MailboxAccess(case=case, key=keys, private_key=private,
                             handed_over=receipt.handed_over)
    return None

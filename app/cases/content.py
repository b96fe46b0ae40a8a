"""Reading and writing a case's encrypted content with the compartment keys
a holder opened (app/crypto/compartments.py, app/cases/custody.py).

Each kind of content has its compartment: the report's answers and the
reporter's files in `report`, the identity in `identity`, messages and
minutes in `conversation`, staff's files, decision texts and internal notes
in `casefile`, personal notes in `personal:<author>`, what was referred and
the bureau's work in `referral:<id>`. Every field is bound (AEAD associated
data) to the case, compartment, generation, field name and the clear
metadata on its row (author, kind, visibility), so a ciphertext copied to
another case or field, or whose row was relabelled, fails.

Readers hand out only what the holder's keys open: a compartment they do not
hold reads as absent, never as an error page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.cases import reporter_contact
from app.crypto.compartments import (
    CASEFILE,
    CONVERSATION,
    IDENTITY,
    REPORT,
    CaseKeys,
    CompartmentClosed,
    seal,
    unseal,
)
from app.crypto.streams import (
    DecryptingReader,
    FileKey,
    StreamEncryptor,
    decrypt_stream,
    new_file_key,
)
from app.crypto.tokens import unb64
from app.errors import NotAllowed, TooLarge
from app.models import (
    Attachment,
    Case,
    CaseNote,
    CompartmentWrap,
    ExternalReferral,
    Message,
    User,
)
from app.runtime import Runtime
from app.storage import FileStore, PendingWriter
from app.vocabulary import HANDLER_ROLES, AuthorKind, Role, State, Track

REPORT_FIELD = "report"
IDENTITY_FIELD = "identity"


class UploadTooLarge(TooLarge):
    """A file larger than allowed; nothing of it is kept."""

    area = "upload"
    default_code = "file_too_large"


@dataclass(frozen=True)
class MessageView:
    id: int
    author_kind: str
    author_name: str | None
    # The role a staff writer acted in (what the reporter sees), or None.
    author_role: Role | None
    created_at: datetime
    body: str


@dataclass(frozen=True)
class AttachmentView:
    id: int
    name: str
    content_type: str
    size: int
    uploaded_by_kind: str
    created_at: datetime


class CompartmentRevoked(NotAllowed):
    """The holder's keys of this compartment are of an older generation: they
    were removed from it and may not write to it any more."""

    area = "custody"
    default_code = "no_access"


def _writable(session: Session, case: Case, keys: CaseKeys, compartment: str) -> None:
    """New content goes under the compartment's newest generation only: a
    holder removed meanwhile (another request) can not write under an old one."""
    newest = session.scalar(
        select(func.max(CompartmentWrap.generation))
        .where(CompartmentWrap.case_id == case.id, CompartmentWrap.compartment == compartment))
    if newest is not None and newest > keys.current(compartment):
        raise CompartmentRevoked


def encrypt_json(key: CaseKeys, case: Case, field: str, data: dict, *,
                 compartment: str, context: dict | None = None) -> bytes:
    return seal(key, json.dumps(data, ensure_ascii=False).encode(), compartment=compartment,
                field=field, context=context)


def decrypt_json(key: CaseKeys, case: Case, field: str, blob: bytes | None, *,
                 compartment: str, context: dict | None = None) -> dict:
    if blob is None:
        return {}
    data: dict = json.loads(unseal(key, blob, compartment=compartment, field=field,
                                   context=context))
    return data


def encrypt_text(key: CaseKeys, text: str, *, field: str, compartment: str,
                 context: dict | None = None) -> bytes:
    return seal(key, text.encode("utf-8"), compartment=compartment, field=field,
                context=context)


def decrypt_text(key: CaseKeys, blob: bytes, *, field: str, compartment: str,
                 context: dict | None = None) -> str:
    return unseal(key, blob, compartment=compartment, field=field,
                  context=context).decode("utf-8")


def set_report(key: CaseKeys, case: Case, report: dict, identity: dict | None) -> None:
    case.report_ciphertext = encrypt_json(key, case, REPORT_FIELD, report, compartment=REPORT)
    case.identity_ciphertext = (
        encrypt_json(key, case, IDENTITY_FIELD, identity, compartment=IDENTITY)
        if identity else None
    )


def read_report(key: CaseKeys, case: Case) -> dict:
    """The report's answers, or {} for a holder without the report compartment."""
    if not key.has(REPORT):
        return {}
    return decrypt_json(key, case, REPORT_FIELD, case.report_ciphertext, compartment=REPORT)


def read_identity(key: CaseKeys, case: Case) -> dict | None:
    """The identity, or None: none given, or not for this holder."""
    if not key.has(IDENTITY):
        return None
    return decrypt_json(key, case, IDENTITY_FIELD, case.identity_ciphertext,
                        compartment=IDENTITY) or None


def note_field(note_id: int) -> str:
    return f"note:{note_id}"


def note_context(note: CaseNote) -> dict:
    """What a note's body is bound to besides its field: author and visibility."""
    return {"author_id": note.author_id, "visibility": note.visibility}


def _message_field(message_id: int) -> str:
    return f"message:{message_id}"


# Whose desk a case is on, by state: the order in which a handler's roles are
# taken as the role they act in on it. A closed case goes by its track.
_AT_INTAKE = (Role.INTAKE, Role.VP, Role.IC, Role.ICC, Role.EXTERNAL)
_WITH_VP = (Role.VP, Role.INTAKE, Role.IC, Role.ICC, Role.EXTERNAL)
_WITH_IC = (Role.IC, Role.ICC, Role.VP, Role.INTAKE, Role.EXTERNAL)
_AT_BUREAU = (Role.IC, Role.ICC, Role.EXTERNAL, Role.VP, Role.INTAKE)
_DESK: dict[State, tuple[Role, ...]] = {
    State.RECEIVED: _AT_INTAKE, State.ACKNOWLEDGED: _AT_INTAKE, State.WITH_VP: _WITH_VP,
    State.WITH_IC: _WITH_IC, State.INQUIRY: _WITH_IC, State.DECISION: _WITH_IC,
    State.EXTERNAL_INVESTIGATION: _AT_BUREAU,
}


def writer_role(state: str, track: str, roles: frozenset[Role],
                allowed: frozenset[Role] | None = None) -> Role | None:
    """The role a handler with `roles` acts in on a case in `state`: their
    only handler role, or — holding several — the one whose desk the case is
    on. `allowed`: only these count (the roles a workflow action names)."""
    candidates = roles & HANDLER_ROLES
    if allowed is not None:
        candidates &= allowed
    order = _DESK.get(State(state)) or (_WITH_VP if track == Track.ADVICE else _WITH_IC)
    return next((role for role in order if role in candidates), None)


def _message_context(message: Message) -> dict:
    return {"author_kind": message.author_kind, "author_id": message.author_id,
            "author_role": message.author_role}


def add_staff_message(session: Session, case: Case, key: CaseKeys, body: str, author: User, *,
                      allowed: frozenset[Role] | None = None) -> Message:
    """A handler's message, with the role they act in on this case (and
    news for the reporter's opt-in e-mail, if they left an address)."""
    message = add_message(session, case, key, body, author_kind=AuthorKind.STAFF, author=author,
                          author_role=writer_role(case.state, case.track, author.roles, allowed))
    reporter_contact.news(session, case)
    return message


def add_message(session: Session, case: Case, key: CaseKeys, body: str, *, author_kind: str,
                author: User | None = None, author_role: Role | None = None) -> Message:
    _writable(session, case, key, CONVERSATION)
    message = Message(case_id=case.id, author_kind=author_kind,
                      author_id=author.id if author else None, author_role=author_role,
                      body_ciphertext=b"")
    session.add(message)
    session.flush()  # the id is part of the associated data
    message.body_ciphertext = encrypt_text(key, body, field=_message_field(message.id),
                                           compartment=CONVERSATION,
                                           context=_message_context(message))
    # For the "waiting for reporter" queue. A plain UPDATE, not through the
    # ORM: a message is not a change of the case (no version bump, so it never
    # turns a handler's concurrent action into a conflict).
    session.execute(update(Case).where(Case.id == case.id).values(last_author_kind=author_kind))
    return message


def read_messages(session: Session, case: Case, key: CaseKeys, *,
                  for_reporter: bool = False) -> list[MessageView]:
    if not key.has(CONVERSATION):
        return []
    rows = session.execute(
        select(Message, User.display_name)
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.case_id == case.id)
        # In the order they were written: the reporter's keep only their day
        # (app/daytime.py), so their time can not order them.
        .order_by(Message.id)
    ).all()
    return [
        MessageView(
            id=message.id,
            author_kind=message.author_kind,
            # The reporter sees "the handler", never a handler's name.
            author_name=None if for_reporter else name,
            author_role=message.author_role,
            created_at=message.created_at,
            body=decrypt_text(key, message.body_ciphertext, field=_message_field(message.id),
                              compartment=CONVERSATION, context=_message_context(message)),
        )
        for message, name in rows
    ]


def _attachment_key_field(file_id: str) -> str:
    return f"attachment:{file_id}:key"


def _attachment_meta_field(file_id: str) -> str:
    return f"attachment:{file_id}:meta"


# Where an upload is sealed, by who uploaded it; the bureau's go to its
# referral compartment (given by the caller).
UPLOAD_COMPARTMENTS = {AuthorKind.REPORTER: REPORT, AuthorKind.STAFF: CASEFILE}


def _attachment_context(attachment: Attachment) -> dict:
    return {"uploaded_by_kind": attachment.uploaded_by_kind,
            "uploaded_by_id": attachment.uploaded_by_id}


def store_attachment(
    session: Session,
    rt: Runtime,
    case: Case,
    key: CaseKeys,
    *,
    filename: str,
    content_type: str,
    chunks: Iterable[bytes],
    uploaded_by_kind: str,
    uploaded_by: User | None = None,
    max_bytes: int | None = None,
    compartment: str | None = None,
) -> Attachment:
    """Encrypt an upload as it streams into the file store (bounded memory).

    The file is written first; the row is added to the session. If the
    transaction later fails the caller removes the file (see discard_files).
    """
    file_id = rt.files.new_file_id()
    file_key = new_file_key()
    size = 0

    def encrypted() -> Iterator[bytes]:
        nonlocal size
        encryptor = StreamEncryptor(file_key, file_id=file_id)
        for chunk in chunks:
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise UploadTooLarge
            out = encryptor.update(chunk)
            if out:
                yield out
        yield encryptor.finalize()

    # In the caller's transaction where the store can (the database store).
    rt.files.write(file_id, encrypted(), session=session)
    return _add_attachment(session, case, key, file_id, file_key, filename=filename,
                           content_type=content_type, size=size,
                           uploaded_by_kind=uploaded_by_kind, uploaded_by=uploaded_by,
                           compartment=compartment)


def _add_attachment(session: Session, case: Case, key: CaseKeys, file_id: str,
                    file_key: FileKey, *, filename: str, content_type: str, size: int,
                    uploaded_by_kind: str, uploaded_by: User | None,
                    compartment: str | None) -> Attachment:
    """The attachment row: its name, type and size and its file key, both
    sealed in the uploader's compartment (the file itself is already in the
    store)."""
    compartment = compartment or UPLOAD_COMPARTMENTS[AuthorKind(uploaded_by_kind)]
    _writable(session, case, key, compartment)
    attachment = Attachment(
        case_id=case.id, file_id=file_id, compartment=compartment,
        uploaded_by_kind=uploaded_by_kind,
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    context = _attachment_context(attachment)
    attachment.meta_ciphertext = encrypt_json(
        key, case, _attachment_meta_field(file_id),
        {"name": filename, "content_type": content_type, "size": size},
        compartment=compartment, context=context)
    attachment.file_key_ciphertext = seal(key, file_key.raw, compartment=compartment,
                                          field=_attachment_key_field(file_id), context=context)
    session.add(attachment)
    return attachment


def attachment_file_key(key: CaseKeys, attachment: Attachment) -> tuple[dict, FileKey]:
    """An attachment's name, type and size and its file key, for a holder of
    its compartment (CompartmentClosed otherwise)."""
    compartment = attachment.compartment or ""
    context = _attachment_context(attachment)
    meta = json.loads(unseal(key, attachment.meta_ciphertext, compartment=compartment,
                             field=_attachment_meta_field(attachment.file_id), context=context))
    raw = unseal(key, attachment.file_key_ciphertext, compartment=compartment,
                 field=_attachment_key_field(attachment.file_id), context=context)
    return meta, FileKey(raw)


class PendingFile:
    """An upload being encrypted as it streams in: a fresh file key (in this
    process's memory only) and a pending file in the store. Memory use is a
    segment or two, whatever the file's size. attach_pending() keeps it."""

    def __init__(self, store: FileStore) -> None:
        self.file_id = store.new_file_id()
        self._key = new_file_key()
        self._encryptor = StreamEncryptor(self._key, file_id=self.file_id)
        self._writer: PendingWriter = store.begin_pending(self.file_id)
        self.size = 0
        self.finished = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        out = self._encryptor.update(data)
        if out:
            self._writer.write(out)
        return len(data)

    def finish(self) -> None:
        if not self.finished:
            self.finished = True
            self._writer.write(self._encryptor.finalize())

    def reader(self) -> DecryptingReader:
        """The plaintext read back through the decrypting stream (the caller
        closes it)."""
        self.finish()
        handle = self._writer.open_read()
        try:
            return DecryptingReader(self._key, handle, file_id=self.file_id)
        except BaseException:
            handle.close()
            raise

    @property
    def closed(self) -> bool:
        return self._writer.closed

    def discard(self) -> None:
        self._writer.discard()

    def commit(self, session: Session | None = None) -> FileKey:
        """Keep the file (in `session`'s transaction where the store can)."""
        self.finish()
        self._writer.commit(session)
        return self._key


def attach_pending(
    session: Session,
    rt: Runtime,
    case: Case,
    key: CaseKeys,
    pending: PendingFile,
    *,
    filename: str,
    content_type: str,
    uploaded_by_kind: str,
    uploaded_by: User | None = None,
    compartment: str | None = None,
) -> Attachment:
    """Keep a pending upload: its file moves into place and its key, sealed
    in the uploader's compartment, goes into the session (the caller's
    transaction). If that transaction fails the caller removes the file
    (discard_files)."""
    file_key = pending.commit(session)
    return _add_attachment(session, case, key, pending.file_id, file_key, filename=filename,
                           content_type=content_type, size=pending.size,
                           uploaded_by_kind=uploaded_by_kind, uploaded_by=uploaded_by,
                           compartment=compartment)


def referred_files(session: Session, case: Case, key: CaseKeys) -> dict[int, dict]:
    """The files referred to a bureau, as the referral packages this holder
    opens carry them: attachment id -> name, type, size and file key."""
    found: dict[int, dict] = {}
    referrals = [int(c.partition(":")[2]) for c in key.compartments()
                 if c.startswith("referral:")]
    if not referrals:
        return found
    rows = session.scalars(select(ExternalReferral).where(
        ExternalReferral.case_id == case.id, ExternalReferral.id.in_(referrals))).all()
    for row in rows:
        package = read_package(key, case, row)
        for attachment_id, entry in package.get("files", {}).items():
            found[int(attachment_id)] = entry
    return found


def read_package(key: CaseKeys, case: Case, referral: ExternalReferral) -> dict:
    compartment = f"referral:{referral.id}"
    return decrypt_json(key, case, compartment, referral.package_ciphertext,
                        compartment=compartment, context={"bureau_id": referral.bureau_id})


def _view(row: Attachment, meta: dict) -> AttachmentView:
    return AttachmentView(id=row.id, name=meta["name"], content_type=meta["content_type"],
                          size=meta["size"], uploaded_by_kind=row.uploaded_by_kind,
                          created_at=row.created_at)


def list_attachments(session: Session, case: Case, key: CaseKeys, *,
                     for_reporter: bool = False) -> list[AttachmentView]:
    """The case's files this holder's keys open (their compartment's, or
    referred to them); for the reporter only their own uploads, never what
    staff or an external bureau added (file names can name the people
    involved)."""
    query = select(Attachment).where(Attachment.case_id == case.id)
    if for_reporter:
        query = query.where(Attachment.uploaded_by_kind == AuthorKind.REPORTER)
    rows = session.scalars(query.order_by(Attachment.id)).all()
    referred = {} if for_reporter else referred_files(session, case, key)
    views = []
    for row in rows:
        if row.compartment is not None and key.has(row.compartment):
            views.append(_view(row, attachment_file_key(key, row)[0]))
        elif row.id in referred:
            views.append(_view(row, referred[row.id]))
    return views


def open_attachment(rt: Runtime, case: Case, key: CaseKeys, attachment: Attachment, *,
                    referred: dict[int, dict] | None = None,
                    ) -> tuple[AttachmentView, Iterator[bytes]]:
    """Metadata and a generator of verified plaintext chunks. Raises
    CompartmentClosed when the holder's keys do not open it."""
    if attachment.compartment is not None and key.has(attachment.compartment):
        meta, file_key = attachment_file_key(key, attachment)
    elif referred and attachment.id in referred:
        meta = referred[attachment.id]
        file_key = FileKey(unb64(meta["key"]))
    else:
        raise CompartmentClosed("attachment")
    view = _view(attachment, meta)

    def chunks() -> Iterator[bytes]:
        with rt.files.open(attachment.file_id) as handle:
            yield from decrypt_stream(file_key, handle.read, file_id=attachment.file_id)

    return view, chunks()


def discard_files(rt: Runtime, attachments: Iterable[Attachment]) -> None:
    for attachment in attachments:
        rt.files.delete(attachment.file_id)

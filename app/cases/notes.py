"""Notes on a case, each sealed in the compartment its visibility names
(field "note:<id>", bound to author and visibility):

internal: the case file (`casefile`), every handler of the case except
external investigators;
referral: the referral's compartment (`referral:<id>`), shared between the
integrity coordinator and the bureau (findings, questions);
personal: the author's own compartment (`personal:<author>`), nobody else's
keys open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import custody
from app.cases.content import _writable, decrypt_text, encrypt_text, note_context, note_field
from app.crypto.compartments import CASEFILE, CaseKeys, personal
from app.errors import Invalid
from app.models import Case, CaseNote, ExternalReferral, User
from app.models.casework import NOTE_VISIBILITIES
from app.runtime import Runtime


class NoReferral(Invalid):
    """A note for the bureau on a case that was never referred."""

    area = "note"
    default_code = "no_referral"


@dataclass(frozen=True)
class NoteView:
    id: int
    author_name: str | None
    visibility: str
    created_at: datetime
    body: str


def latest_referral(session: Session, case: Case) -> ExternalReferral | None:
    return session.scalar(select(ExternalReferral).where(ExternalReferral.case_id == case.id)
                          .order_by(ExternalReferral.id.desc()).limit(1))


def note_compartment(session: Session, case: Case, author: User, visibility: str) -> str:
    if visibility == "personal":
        return personal(author.id)
    if visibility == "referral":
        referral = latest_referral(session, case)
        if referral is None:
            raise NoReferral
        return f"referral:{referral.id}"
    return CASEFILE


def add_note(session: Session, rt: Runtime, case: Case, key: CaseKeys, author: User, body: str,
             visibility: str = "internal") -> CaseNote:
    if visibility not in NOTE_VISIBILITIES:
        raise ValueError("unknown note visibility")
    compartment = note_compartment(session, case, author, visibility)
    if visibility == "personal":
        # The author's own compartment, made with their first personal note.
        custody.open_compartment(session, rt, case, key, compartment, [author])
    _writable(session, case, key, compartment)
    note = CaseNote(case_id=case.id, author_id=author.id, visibility=visibility,
                    compartment=compartment, body_ciphertext=b"")
    session.add(note)
    session.flush()  # the id is part of the associated data
    note.body_ciphertext = encrypt_text(key, body, field=note_field(note.id),
                                        compartment=compartment, context=note_context(note))
    return note


def read_notes(session: Session, case: Case, key: CaseKeys, reader: User) -> list[NoteView]:
    """The notes this reader's keys open: the keys decide, not the page."""
    rows = session.execute(
        select(CaseNote, User.display_name).outerjoin(User, User.id == CaseNote.author_id)
        .where(CaseNote.case_id == case.id)
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    return [
        NoteView(id=note.id, author_name=name, visibility=note.visibility,
                 created_at=note.created_at,
                 body=decrypt_text(key, note.body_ciphertext, field=note_field(note.id),
                                   compartment=note.compartment, context=note_context(note)))
        for note, name in rows
        if note.compartment is not None and key.has(note.compartment)
    ]

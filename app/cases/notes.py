"""Notes on a case, encrypted under the case key (field "note:<id>").

internal: every handler of the case except external investigators;
referral: shared between the IC and the external bureau (findings, questions);
personal: only the author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.crypto.envelope import CaseKey, decrypt_text, encrypt_text
from app.models import Case, CaseNote, User
from app.models.casework import NOTE_VISIBILITIES
from app.vocabulary import Role


@dataclass(frozen=True)
class NoteView:
    id: int
    author_name: str | None
    visibility: str
    created_at: datetime
    body: str


def _field(note_id: int) -> str:
    return f"note:{note_id}"


def add_note(session: Session, case: Case, key: CaseKey, author: User, body: str,
             visibility: str = "internal") -> CaseNote:
    if visibility not in NOTE_VISIBILITIES:
        raise ValueError("unknown note visibility")
    note = CaseNote(case_id=case.id, author_id=author.id, visibility=visibility,
                    body_ciphertext=b"")
    session.add(note)
    session.flush()  # the id is part of the associated data
    note.body_ciphertext = encrypt_text(key, body, case_id=case.number, field=_field(note.id))
    return note


def visible_visibilities(user: User) -> tuple[str, ...]:
    """External investigators see only what is shared with the bureau."""
    if user.roles <= {Role.EXTERNAL}:
        return ("referral",)
    return ("internal", "referral")


def read_notes(session: Session, case: Case, key: CaseKey, reader: User) -> list[NoteView]:
    rows = session.execute(
        select(CaseNote, User.display_name).outerjoin(User, User.id == CaseNote.author_id)
        .where(
            CaseNote.case_id == case.id,
            or_(CaseNote.visibility.in_(visible_visibilities(reader)),
                (CaseNote.visibility == "personal") & (CaseNote.author_id == reader.id)),
        )
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    return [
        NoteView(id=note.id, author_name=name, visibility=note.visibility,
                 created_at=note.created_at,
                 body=decrypt_text(key, note.body_ciphertext, case_id=case.number,
                                   field=_field(note.id)))
        for note, name in rows
    ]

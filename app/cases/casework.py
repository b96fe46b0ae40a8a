"""What a handler writes on an open case outside the workflow table: a
message to the reporter and a note. Each owns its transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.cases.content import add_message
from app.cases.notes import add_note
from app.cases.workflow import note_feedback_given
from app.crypto.envelope import CaseKey
from app.models import Case, CaseNote, Message, User, utcnow
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import AuditAction


@transactional
def send_message_to_reporter(session: Session, rt: Runtime, case: Case, key: CaseKey,
                             user: User, body: str) -> Message:
    """Place a message in the reporter's mailbox (the first one after the
    acknowledgement counts as the feedback), audit-logged. Owns its
    transaction."""
    message = add_message(session, case, key, body, author_kind="staff", author=user)
    note_feedback_given(case, utcnow())
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_MESSAGE_SENT,
                    object_type="case", object_id=case.number)
    return message


@transactional
def write_note(session: Session, rt: Runtime, case: Case, key: CaseKey, user: User,
               body: str, visibility: str) -> CaseNote:
    """Add a note to the case, audit-logged. Owns its transaction."""
    note = add_note(session, case, key, user, body, visibility)
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_NOTE_ADDED,
                    object_type="case", object_id=case.number)
    return note

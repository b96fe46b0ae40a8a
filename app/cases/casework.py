"""What a handler writes on an open case outside the workflow table: a
message to the reporter and a note. Each owns its transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.cases.content import add_staff_message
from app.cases.notes import add_note
from app.cases.workflow import note_feedback_given
from app.crypto.compartments import CaseKeys
from app.models import Case, CaseNote, Message, User, utcnow
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import AuditAction


@transactional
def send_message_to_reporter(session: Session, rt: Runtime, case: Case, key: CaseKeys,
                             user: User, body: str, *, as_feedback: bool = False,
                             sign: bool = False) -> Message:
    """Place a message in the reporter's mailbox, audit-logged. Only a
    message the handler marks `as_feedback` (what was done with the report)
    is the feedback the law requires, and only while it is owed: a question
    is not. The reporter sees the role the handler acts in; `sign` adds the
    handler's name to the text itself (encrypted, never clear metadata).
    Owns its transaction."""
    if sign:
        body = f"{body.rstrip()}\n\n— {user.display_name}"
    message = add_staff_message(session, case, key, body, user)
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_MESSAGE_SENT,
                    object_type="case", object_id=case.number)
    if as_feedback and note_feedback_given(case, utcnow()):
        rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_FEEDBACK_GIVEN,
                        object_type="case", object_id=case.number)
    return message


@transactional
def write_note(session: Session, rt: Runtime, case: Case, key: CaseKeys, user: User,
               body: str, visibility: str) -> CaseNote:
    """Add a note to the case, audit-logged. Owns its transaction."""
    note = add_note(session, rt, case, key, user, body, visibility)
    rt.audit.record(session, actor=f"user:{user.id}", action=AuditAction.CASE_NOTE_ADDED,
                    object_type="case", object_id=case.number)
    return note

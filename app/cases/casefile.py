"""The case file (dossier): everything about one case that the user's keys
open, in one piece, to print or save as PDF from the browser — the report
and the identity as far as the user may read them, the conversation, notes,
minutes with every version, the decision, the list of files (names and
sizes, not their content) and the referral package for a bureau.

Built in memory for one response and never written to the server's disk;
opening it is audit-logged as `case.file_exported` (refusals too), like
every read of case data. It can not show more than the case page: the same
keys decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.cases import workflow
from app.cases.access import open_case
from app.cases.content import (
    AttachmentView,
    MessageView,
    list_attachments,
    read_identity,
    read_messages,
    read_report,
)
from app.cases.minutes import MinutesView, read_minutes
from app.cases.notes import NoteView, read_notes
from app.crypto.keys import PrivateKey
from app.models import Case, User, utcnow
from app.runtime import Runtime
from app.vocabulary import AuditAction, Role


@dataclass(frozen=True)
class CaseFile:
    case: Case
    made_by: User
    made_at: datetime
    # Only an external investigator's: what was referred to their bureau.
    package: dict | None
    report: dict
    identity: dict | None
    messages: list[MessageView]
    notes: list[NoteView]
    minutes: list[MinutesView]
    attachments: list[AttachmentView]

    @property
    def external(self) -> bool:
        return self.package is not None


def case_file(session: Session, rt: Runtime, user: User, private_key: PrivateKey | None,
              number: str) -> CaseFile:
    """The case file as `user` may see it (raises access.CaseNotFound or
    AwaitingRegrant like opening the case page); audit-logged either way."""
    opened = open_case(session, rt, user, private_key, number,
                       action=AuditAction.CASE_FILE_EXPORTED)
    case, key = opened.case, opened.key
    external = user.roles <= {Role.EXTERNAL}
    package = None
    if external:
        found = workflow.referral_package(session, case, key, user.unit_id)
        package = found[1] if found else {"report": {}}
    return CaseFile(
        case=case, made_by=user, made_at=utcnow(), package=package,
        report={} if external else read_report(key, case),
        identity=None if external else read_identity(key, case),
        messages=[] if external else read_messages(session, case, key),
        notes=read_notes(session, case, key, user),
        minutes=[] if external else read_minutes(session, case, key),
        attachments=list_attachments(session, case, key),
    )

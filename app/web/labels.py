"""Dutch/English labels for the clear metadata of a case: one table per enum
of the vocabulary (app/vocabulary.py), keyed by its members."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.audit import floods
from app.cases import documents
from app.cases.agenda import AgendaItem
from app.vocabulary import (
    AuditAction,
    Channel,
    CloseReason,
    CounsellorKind,
    HearingStatus,
    IntakeChannel,
    Measure,
    NoticeMeans,
    NoticeStatus,
    Outcome,
    PersonRole,
    ReferralTarget,
    RegrantReason,
    ReporterEventKind,
    RestrictionGround,
    Role,
    State,
    SubjectRequestDecision,
    SubjectRequestKind,
    Track,
    UnitKind,
)

STATE_LABELS: dict[State, LazyString] = {
    State.RECEIVED: _l("Received"),
    State.ACKNOWLEDGED: _l("Acknowledged"),
    State.WITH_VP: _l("With the confidential counsellor"),
    State.WITH_IC: _l("With the integrity coordinator"),
    State.INQUIRY: _l("Preliminary inquiry"),
    State.EXTERNAL_INVESTIGATION: _l("External investigation"),
    State.DECISION: _l("Decision"),
    State.CLOSED: _l("Closed"),
}
TRACK_LABELS: dict[Track, LazyString] = {
    Track.ADVICE: _l("Advice (confidential counsellor)"),
    Track.REPORT: _l("Formal report (integrity coordinator)"),
}
CHANNEL_LABELS: dict[Channel, LazyString] = {
    Channel.ANONYMOUS: _l("Anonymous"),
    Channel.CONFIDENTIAL: _l("Confidential (name known to the handlers only)"),
    Channel.OPEN: _l("Open"),
}
REPORT_FIELD_LABELS = {
    "what": _l("What happened"),
    "when": _l("When"),
    "where": _l("Where"),
    "involved": _l("Who was involved"),
    "witnesses": _l("Witnesses"),
    "reported_elsewhere": _l("Reported elsewhere"),
    "ground": _l("Ground of discrimination"),
    "preferred_counsellor": _l("Preferred confidential counsellor"),
    "name": _l("Name"),
    "email": _l("E-mail address"),
    "phone": _l("Telephone"),
    "contact": _l("How to contact"),
}


def _label(table: Mapping[Any, LazyString], key: str | None) -> str:
    if key is None:
        return "–"
    return str(table.get(key, key))


def state_label(state: str) -> str:
    return _label(STATE_LABELS, state)


def track_label(track: str) -> str:
    return _label(TRACK_LABELS, track)


def channel_label(channel: str) -> str:
    return _label(CHANNEL_LABELS, channel)


def report_field_label(key: str) -> str:
    return _label(REPORT_FIELD_LABELS, key)


OUTCOME_LABELS: dict[Outcome, LazyString] = {
    Outcome.ADVICE_GIVEN: _l("Advice given"),
    Outcome.REFERRED: _l("Referred elsewhere"),
    Outcome.WITHDRAWN: _l("Withdrawn"),
    Outcome.NOT_ADMISSIBLE: _l("Not admissible"),
    Outcome.UNFOUNDED: _l("Unfounded"),
    Outcome.NOT_ESTABLISHED: _l("Not established"),
    Outcome.FOUNDED: _l("Founded"),
}
MEASURE_LABELS: dict[Measure, LazyString] = {
    Measure.NONE: _l("No measure"),
    Measure.WARNING: _l("Warning"),
    Measure.REPRIMAND: _l("Reprimand"),
    Measure.TRANSFER: _l("Transfer"),
    Measure.CONDITIONAL_DISMISSAL: _l("Conditional dismissal"),
    Measure.DISMISSAL: _l("Dismissal"),
    Measure.CRIMINAL_COMPLAINT: _l("Criminal complaint filed"),
    Measure.ORGANISATIONAL_MEASURE: _l("Organisational measure"),
}
CLOSE_REASON_LABELS: dict[CloseReason, LazyString] = {
    CloseReason.HANDLED: _l("Handled"),
    CloseReason.WITHDRAWN: _l("Withdrawn by the reporter"),
    CloseReason.NOT_ADMISSIBLE: _l("Not admissible"),
    CloseReason.REFERRED: _l("Referred elsewhere"),
    CloseReason.ADVICE_GIVEN: _l("Advice given"),
    CloseReason.SIGNAL: _l("Signal registered"),
}
REFERRAL_LABELS: dict[ReferralTarget, LazyString] = {
    ReferralTarget.IC: _l("Integrity coordinator"),
    ReferralTarget.HR: _l("HR / personnel department"),
    ReferralTarget.COMPANY_DOCTOR: _l("Company doctor"),
    ReferralTarget.MANAGER: _l("Manager"),
    ReferralTarget.POLICE: _l("Police"),
    ReferralTarget.EXTERNAL_VP: _l("External confidential counsellor"),
    ReferralTarget.OTHER: _l("Elsewhere"),
}
COUNSELLOR_KIND_LABELS: dict[CounsellorKind, LazyString] = {
    CounsellorKind.INTERNAL: _l("Internal"),
    CounsellorKind.EXTERNAL: _l("External"),
    CounsellorKind.CENTRAL: _l("Central"),
}
INTAKE_CHANNEL_LABELS: dict[IntakeChannel, LazyString] = {
    IntakeChannel.WEB: _l("Web form"),
    IntakeChannel.PHONE: _l("Telephone"),
    IntakeChannel.EMAIL: _l("E-mail"),
    IntakeChannel.LETTER: _l("Letter"),
    IntakeChannel.IN_PERSON: _l("In person"),
}
ROLE_LABELS: dict[Role, LazyString] = {
    Role.INTAKE: _l("Intake officer"),
    Role.VP: _l("Confidential counsellor (vertrouwenspersoon)"),
    Role.IC: _l("Integrity coordinator"),
    Role.ICC: _l("Central integrity coordinator (ICC)"),
    Role.EXTERNAL: _l("External investigator"),
    Role.ADMIN: _l("Functional administrator"),
    Role.AUDITOR: _l("Auditor"),
}
# Who wrote a message, as the reporter sees it: the role the handler acted
# in on the case, never a name (a handler may sign inside the text).
WRITER_LABELS: dict[Role, LazyString] = {
    Role.INTAKE: _l("Reporting office"),
    Role.VP: _l("Confidential counsellor"),
    Role.IC: _l("Integrity coordinator"),
    Role.ICC: _l("Integrity coordinator"),
    Role.EXTERNAL: _l("External investigation bureau"),
}
# A message whose writer's role is not known (written before it was kept).
NEUTRAL_WRITER = _l("The handler")
UNIT_KIND_LABELS: dict[UnitKind, LazyString] = {
    UnitKind.UNIT: _l("ministry unit"),
    UnitKind.EXTERNAL: _l("external confidential counsellors"),
    UnitKind.CENTRAL: _l("central confidential counsellors"),
    UnitKind.BUREAU: _l("external investigation bureau"),
}
NOTE_VISIBILITY_LABELS = {
    "internal": _l("Internal (all handlers of this case)"),
    "referral": _l("Shared with the external bureau"),
    "personal": _l("Personal (only you)"),
}
TAB_LABELS = {
    "all": _l("All"),
    "new": _l("New"),
    "due_soon": _l("Due within 7 days"),
    "overdue": _l("Overdue"),
    "mine": _l("Mine"),
    "waiting": _l("Waiting for reporter"),
}
# What the reporter did that a holder has not seen yet (the queue's markers,
# app/cases/unread.py).
UNREAD_LABELS: dict[ReporterEventKind, LazyString] = {
    ReporterEventKind.REPLY: _l("New: reply from the reporter"),
    ReporterEventKind.MEETING: _l("New: meeting requested"),
    ReporterEventKind.CONSENT_GIVEN: _l("New: consent given"),
    ReporterEventKind.CONSENT_WITHDRAWN: _l("New: consent withdrawn"),
    ReporterEventKind.MINUTES_APPROVED: _l("New: minutes approved"),
    ReporterEventKind.MINUTES_CORRECTED: _l("New: corrections to minutes"),
}
REGRANT_REASON_LABELS: dict[RegrantReason, LazyString] = {
    RegrantReason.HOLDER_LEFT: _l("The holder has left or was deactivated"),
    RegrantReason.KEY_LOST: _l("The holder's key was replaced (password reset)"),
    RegrantReason.ABSENT: _l("The holder is absent for a long time"),
}
# The staff start page's items (app/cases/agenda.py).
AGENDA_LABELS: dict[AgendaItem, LazyString] = {
    AgendaItem.ACKNOWLEDGE_OVERDUE: _l("Acknowledgement overdue"),
    AgendaItem.FEEDBACK_OVERDUE: _l("Feedback to the reporter overdue"),
    AgendaItem.ACKNOWLEDGE_DUE: _l("Acknowledgement to send"),
    AgendaItem.FEEDBACK_DUE: _l("Feedback to the reporter due within 7 days"),
    AgendaItem.MEETING_REQUESTED: _l("The reporter asked for a meeting"),
    AgendaItem.REPORTER_REPLIED: _l("The reporter wrote; not yet answered"),
    AgendaItem.CONSENT_GIVEN: _l("The reporter consents to passing the case on"),
    AgendaItem.MINUTES_CORRECTED: _l("The reporter sent corrections to minutes"),
    AgendaItem.MINUTES_AWAITING: _l("Minutes waiting for the reporter's approval"),
    AgendaItem.NOTICE_REVIEW: _l("Review whether a person concerned can be informed now"),
    AgendaItem.SUBJECT_REQUEST: _l("Data-subject request to answer (deadline)"),
}
AUDIT_ACTION_LABELS: dict[AuditAction, LazyString] = {
    AuditAction.REPORT_SUBMITTED: _l("Report submitted by the reporter"),
    AuditAction.REPORT_REGISTERED: _l("Report registered by staff"),
    AuditAction.CASE_ACKNOWLEDGE: _l("Receipt acknowledged"),
    AuditAction.CASE_CLASSIFY: _l("Classified"),
    AuditAction.CASE_ROUTE_TO_VP: _l("Routed to a confidential counsellor"),
    AuditAction.CASE_ROUTE_TO_IC: _l("Routed to the integrity coordinator"),
    AuditAction.CASE_REFER_ELSEWHERE: _l("Referred elsewhere and closed"),
    AuditAction.CASE_CLOSE_EARLY: _l("Closed (withdrawn or not admissible)"),
    AuditAction.CASE_ESCALATE_TO_IC: _l("Passed on to the integrity coordinator"),
    AuditAction.CASE_CLOSE_ADVICE: _l("Closed by the confidential counsellor"),
    AuditAction.CASE_START_INQUIRY: _l("Preliminary inquiry started"),
    AuditAction.CASE_REFER_TO_EXTERNAL: _l("Referred to an external bureau"),
    AuditAction.CASE_DELIVER_EXTERNAL_REPORT: _l("External report delivered"),
    AuditAction.CASE_RECORD_DECISION: _l("Decision recorded"),
    AuditAction.CASE_RECORD_HEARING: _l("Hearing of a person concerned recorded"),
    AuditAction.CASE_CLOSE: _l("Closed"),
    AuditAction.CASE_REOPEN: _l("Reopened"),
    AuditAction.CASE_MESSAGE_SENT: _l("Message sent to the reporter"),
    AuditAction.CASE_FEEDBACK_GIVEN: _l("Feedback given to the reporter"),
    AuditAction.CASE_NOTE_ADDED: _l("Note added"),
    AuditAction.CASE_MINUTES_RECORDED: _l("Minutes of a meeting recorded"),
    AuditAction.CASE_MINUTES_REVISED: _l("Minutes of a meeting revised"),
    AuditAction.CASE_MINUTES_SENT: _l("Minutes sent to the reporter for approval"),
    AuditAction.CASE_MINUTES_APPROVED_ON_PAPER: _l("Minutes approved by the reporter on paper"),
    AuditAction.MAILBOX_MINUTES_APPROVED: _l("Minutes approved by the reporter"),
    AuditAction.MAILBOX_MINUTES_CORRECTED: _l("Corrections to the minutes sent by the reporter"),
    AuditAction.MAILBOX_NEWS_ADDRESS_SET: _l("E-mail address for news left by the reporter"),
    AuditAction.MAILBOX_NEWS_ADDRESS_REMOVED: _l(
        "E-mail address for news removed by the reporter"),
    AuditAction.CASE_RECUSED: _l("A handler recused"),
    AuditAction.CASE_EXCLUDED: _l("A person was excluded"),
    AuditAction.CASE_RESTRICTION_LIFTED: _l("A restriction was lifted"),
    AuditAction.CASE_GRANT: _l("Access granted"),
    AuditAction.CASE_REGRANT: _l("Access restored"),
    AuditAction.CASE_HANDOVER: _l("Case handed over to a colleague"),
    AuditAction.CASE_REGRANT_REQUESTED: _l("Re-grant with the recovery key requested"),
    AuditAction.CASE_FILE_EXPORTED: _l("Case file printed or saved"),
    AuditAction.CASE_REVOKE: _l("Access removed"),
    AuditAction.CASE_SIGNAL_REGISTERED: _l("Signal registered"),
    AuditAction.CASE_REGISTERED_WITH_VP: _l("With the confidential counsellor"),
    AuditAction.MAILBOX_OPENED: _l("Mailbox opened by the reporter"),
    AuditAction.MAILBOX_CLOSED: _l("Mailbox closed by the reporter"),
    AuditAction.MAILBOX_READ: _l("Mailbox read by the reporter"),
    AuditAction.MAILBOX_SIGN_IN_FAILED: _l("Mailbox: wrong receipt code"),
    AuditAction.MAILBOX_SIGN_IN_THROTTLED: _l("Mailbox: too many attempts"),
    AuditAction.MAILBOX_CODE_REPLACED: _l("Receipt code handed over by staff replaced by the "
                                          "reporter"),
    AuditAction.MAILBOX_MESSAGE_SENT: _l("Message sent by the reporter"),
    AuditAction.MAILBOX_MEETING_REQUESTED: _l("Meeting requested by the reporter"),
    AuditAction.MAILBOX_FILES_ADDED: _l("Files added by the reporter"),
    AuditAction.MAILBOX_CONSENT_GIVEN: _l("Consent given by the reporter"),
    AuditAction.MAILBOX_CONSENT_WITHDRAWN: _l("Consent withdrawn by the reporter"),
    AuditAction.MAILBOX_IDENTITY_DISCLOSED: _l("Identity shared by the reporter"),
    AuditAction.MAILBOX_NAME_CONSENT_GIVEN: _l("Reporter agreed to pass on their name"),
    AuditAction.MAILBOX_NAME_CONSENT_WITHDRAWN: _l("Reporter withdrew consent for their name"),
    AuditAction.MAILBOX_WITHDRAWN: _l("Report withdrawn by the reporter"),
    AuditAction.CASE_OPEN: _l("Case opened"),
    AuditAction.CASE_OPEN_FOR_ACTION: _l("Case opened to take an action"),
    AuditAction.CASE_OPEN_FOR_LEGAL_HOLD: _l("Case opened for a legal hold"),
    AuditAction.CASE_MESSAGE_READ_FOR_REPLY: _l("Message read to reply"),
    AuditAction.CASE_ACT: _l("Action on the case tried"),
    AuditAction.CASE_LEGAL_HOLD_SET: _l("Legal hold set"),
    AuditAction.CASE_LEGAL_HOLD_LIFTED: _l("Legal hold lifted"),
    AuditAction.CASE_SHREDDED: _l("Case deleted"),
    AuditAction.ATTACHMENT_DOWNLOAD: _l("File downloaded"),
    AuditAction.PERSON_ADDED: _l("Person concerned recorded"),
    AuditAction.PERSON_CHANGED: _l("Person concerned corrected"),
    AuditAction.PERSON_REMOVED: _l("Person concerned removed"),
    AuditAction.PERSON_INFORMED: _l("Person concerned informed"),
    AuditAction.PERSON_NOTICE_DEFERRED: _l("Informing a person concerned deferred"),
    AuditAction.PERSON_REPEAT_LOOKUP: _l("Looked up whether persons concerned are named in "
                                         "other cases"),
    AuditAction.PERSON_REVIEW_REQUESTED: _l("The ICC was asked to look at a person concerned"),
    AuditAction.PERSON_REVIEW_LOOKUP: _l("The ICC looked up the cases of a person concerned"),
    AuditAction.PERSON_REVIEW_DONE: _l("The ICC finished looking at a person concerned"),
    AuditAction.PERSON_EXCLUDED_AS_NAMED: _l("A colleague named as a person concerned was "
                                             "excluded"),
    AuditAction.HEARING_REVISED: _l("Hearing minutes revised"),
    AuditAction.HEARING_GIVEN: _l("Hearing minutes given to the person heard"),
    AuditAction.HEARING_APPROVED: _l("Hearing minutes approved by the person heard"),
    AuditAction.HEARING_COMMENTS: _l("Comments of the person heard recorded"),
    AuditAction.HEARING_DECLINED: _l("The person heard declined"),
    AuditAction.SUBJECT_REQUEST_REGISTERED: _l("Data-subject request registered"),
    AuditAction.SUBJECT_REQUEST_DECIDED: _l("Data-subject request decided"),
    AuditAction.SUBJECT_REQUEST_EXTRACT: _l("Extract made for a data-subject request"),
    AuditAction.SIGNIN_PASSWORD: _l("Sign-in: password"),
    AuditAction.SECURITY_FLOOD_DETECTED: _l("Flood of wrong codes or sign-ins"),
    AuditAction.SIGNIN_SECOND_FACTOR: _l("Sign-in: second factor"),
    AuditAction.SIGNIN_SUCCESS: _l("Signed in"),
    AuditAction.SIGNOUT: _l("Signed out"),
    AuditAction.ACCOUNT_LOCKED: _l("Account locked"),
    AuditAction.ACCESS_DENIED: _l("Access refused"),
    AuditAction.MFA_ENROL: _l("Second factor: setting up"),
    AuditAction.MFA_ENROLLED: _l("Second factor set up"),
    AuditAction.MFA_RECOVERY_CODE_USED: _l("Recovery code used"),
    AuditAction.MFA_RECOVERY_CODES_REPLACED: _l("Recovery codes replaced"),
    AuditAction.PASSWORD_SET: _l("Password set"),
    AuditAction.PASSWORD_CHANGE: _l("Password: changing"),
    AuditAction.PASSWORD_CHANGED: _l("Password changed"),
    AuditAction.KEYS_CREATED: _l("Personal key created"),
    AuditAction.KEYS_RECOVERY_REGRANT: _l("Access restored with the recovery key"),
    AuditAction.KEYS_RECOVERY_ROTATED: _l("Recovery key replaced"),
    AuditAction.KEYS_CASE_UPGRADED: _l("Case moved to compartments"),
    AuditAction.KEYS_PERSON_INDEX_ROTATED: _l("Index of persons concerned moved to a new key"),
    AuditAction.KEYS_ENDORSED: _l("Key endorsed"),
    AuditAction.KEYS_REVOKED: _l("Key revoked"),
    AuditAction.KEYS_WRAP_REFUSED: _l("Access refused: key not endorsed"),
    AuditAction.ADMIN_USER_CREATED: _l("User created"),
    AuditAction.ADMIN_USER_UPDATED: _l("User changed"),
    AuditAction.ADMIN_USER_UNLOCKED: _l("User unblocked"),
    AuditAction.ADMIN_PASSWORD_RESET: _l("Password reset by the administrator"),
    AuditAction.ADMIN_SECOND_FACTOR_RESET: _l("Second factor reset by the administrator"),
    AuditAction.ADMIN_UNIT_CREATED: _l("Unit created"),
    AuditAction.ADMIN_RETENTION_RULE_SET: _l("Retention period set"),
    AuditAction.ADMIN_RETENTION_PROPOSED: _l("Shorter retention period proposed"),
    AuditAction.ADMIN_RETENTION_APPROVED: _l("Shorter retention period approved"),
    AuditAction.ADMIN_RETENTION_REJECTED: _l("Shorter retention period rejected"),
    AuditAction.ADMIN_PAGE_TEXT_CHANGED: _l("Start page text changed"),
    AuditAction.ADMIN_PAGE_TEXT_RESET: _l("Start page text reset"),
    AuditAction.STATS_VIEWED: _l("Statistics viewed"),
    AuditAction.STATS_EXPORTED: _l("Statistics exported"),
    AuditAction.VP_REPORT_VIEWED: _l("Confidential counsellors' annual report viewed"),
    AuditAction.VP_REPORT_EXPORTED: _l("Confidential counsellors' annual report exported"),
    AuditAction.VP_REPORT_NARRATIVE_SAVED: _l("Confidential counsellor's annual account saved"),
    AuditAction.AUDIT_VIEWED: _l("Audit log viewed"),
    AuditAction.AUDIT_EXPORTED: _l("Audit log exported"),
    AuditAction.AUDIT_PRUNED: _l("Old audit log entries removed"),
    AuditAction.AUDIT_PRUNE_REFUSED: _l("Removing old audit log entries refused"),
    AuditAction.REMINDERS_SENT: _l("Reminders sent"),
    AuditAction.NOTIFICATIONS_SENT: _l("Notifications of reporters' actions sent"),
    AuditAction.REPORTER_NEWS_SENT: _l("News e-mails to reporters sent"),
    AuditAction.NOTIFY_PREFERENCE_SET: _l("E-mail notification preference changed"),
    AuditAction.RETENTION_CASE_DELETED: _l("Case deleted after its retention period"),
    AuditAction.RETENTION_MAILBOX_CLOSED: _l("Mailbox closed after its retention period"),
}


# What an audit entry is about (its object_type), and who acted when it was
# not a member of staff.
AUDIT_OBJECT_LABELS = {
    "case": _l("Case"),
    "attachment": _l("File"),
    "audit": _l("Audit log"),
    "audit_log": _l("Audit log"),
    "export": _l("Export"),
    "key": _l("Key"),
    "mailbox": _l("Mailbox"),
    "page_text": _l("Start page text"),
    "reminders": _l("Reminders"),
    "notifications": _l("Notifications"),
    "retention_rule": _l("Retention period"),
    "stats": _l("Annual figures"),
    "unit": _l("Unit"),
    "user": _l("Account"),
    "vp_report": _l("VP annual report"),
    "route": _l("Page"),
    "repeat_review": _l("Request to the ICC to look at a person concerned"),
}
AUDIT_ACTOR_LABELS = {
    "reporter": _l("Reporter"),
    "system": _l("System"),
    "anonymous": _l("Someone not signed in"),
}


# How an audit entry went, and where it came from (app/audit/log.py).
AUDIT_RESULT_LABELS = {
    "ok": _l("Done"),
    "denied": _l("Refused"),
    "failed": _l("Failed"),
}
AUDIT_ORIGIN_LABELS = {
    "web": _l("Web"),
    "cli": _l("Command line"),
    "job": _l("Scheduled job"),
}


# What document cleaning removed (app/cases/documents.py), for the reporter.
HIDDEN_DATA_LABELS = {
    documents.AUTHOR: _l("the author"),
    documents.LAST_MODIFIED_BY: _l("who saved it last"),
    documents.COMPANY: _l("the company or manager"),
    documents.COMMENTS: _l("comments and their authors"),
    documents.REVISIONS: _l("the revision history (who changed what, and when)"),
    documents.CUSTOM_PROPERTIES: _l("custom properties"),
    documents.PROPERTIES: _l("other document properties (title, dates, program, template)"),
    documents.XMP: _l("embedded metadata (XMP)"),
}


def hidden_data_removed(codes: Iterable[str]) -> list[str]:
    """What was removed from the files, in words, in a fixed order."""
    found = set(codes)
    return [str(text) for code, text in HIDDEN_DATA_LABELS.items() if code in found]


FLOOD_LABELS = {
    floods.MAILBOX: _l("Many wrong receipt codes were tried at the reporters' mailbox."),
    floods.SIGNIN: _l("Many staff sign-ins failed (wrong passwords or unknown addresses)."),
}


def audit_result_label(code: str) -> str:
    return _label(AUDIT_RESULT_LABELS, code)


def audit_origin_label(code: str) -> str:
    return _label(AUDIT_ORIGIN_LABELS, code)


def audit_object_label(code: str) -> str:
    return _label(AUDIT_OBJECT_LABELS, code)


def person_label(name: str, roles: Iterable[str]) -> str:
    """A member of staff as the audit log names them: "Name, role / role"."""
    return ", ".join([name, " / ".join(role_label(role) for role in sorted(roles))])


def outcome_label(code: str | None) -> str:
    return _label(OUTCOME_LABELS, code)


# What an outcome means, told to the reporter in their mailbox once the case
# is closed (plain words, B1). Never a measure against a person by name or kind.
OUTCOME_FOR_REPORTER: dict[Outcome, LazyString] = {
    Outcome.ADVICE_GIVEN: _l("The confidential counsellor gave you advice. With that, your report "
                             "is finished. It was not passed on to the integrity coordinator. "
                             "Do you want your report to be investigated? Then you can still "
                             "make a formal report."),
    Outcome.REFERRED: _l("Your report can be dealt with better elsewhere, so the handler has "
                         "referred you there. It is not handled here any further."),
    Outcome.WITHDRAWN: _l("Your report was withdrawn, so it was not handled any further."),
    Outcome.NOT_ADMISSIBLE: _l("Your report was not investigated, because it does not fall under "
                               "the rules for reporting integrity issues."),
    Outcome.UNFOUNDED: _l("The investigation showed that there was no breach of integrity: "
                          "your report is unfounded."),
    Outcome.NOT_ESTABLISHED: _l("The investigation could not establish whether what you reported "
                                "happened. There was not enough proof. This does not mean that "
                                "we do not believe you."),
    Outcome.FOUNDED: _l("The investigation showed that what you reported is true: your report is "
                        "founded."),
}
# Added for a founded report when a measure was taken, whichever it was.
MEASURE_TAKEN_FOR_REPORTER = _l("The organisation has taken measures. To protect the privacy of "
                                "the people involved, we do not tell you which measures.")


def outcome_for_reporter(code: str | None) -> str:
    return _label(OUTCOME_FOR_REPORTER, code)


def measure_label(code: str | None) -> str:
    return _label(MEASURE_LABELS, code)


def close_reason_label(code: str | None) -> str:
    return _label(CLOSE_REASON_LABELS, code)


def referral_label(code: str | None) -> str:
    return _label(REFERRAL_LABELS, code)


def intake_channel_label(code: str | None) -> str:
    return _label(INTAKE_CHANNEL_LABELS, code)


def audit_action_label(code: str) -> str:
    return _label(AUDIT_ACTION_LABELS, code)


def unit_kind_label(code: str) -> str:
    return _label(UNIT_KIND_LABELS, code)


def role_label(code: str) -> str:
    return _label(ROLE_LABELS, code)


def writer_label(role: str | None) -> str:
    """The writer of a staff message in the reporter's mailbox."""
    return _label(WRITER_LABELS, role) if role in WRITER_LABELS else str(NEUTRAL_WRITER)


def note_visibility_label(code: str) -> str:
    return _label(NOTE_VISIBILITY_LABELS, code)


TEMPLATE_HELPERS = {
    "outcome_label": outcome_label,
    "measure_label": measure_label,
    "close_reason_label": close_reason_label,
    "referral_label": referral_label,
    "intake_channel_label": intake_channel_label,
    "audit_action_label": audit_action_label,
    "note_visibility_label": note_visibility_label,
    "writer_label": writer_label,
}


# --- the case page's action forms (the workflow table holds no text) ------------------

ACTION_LABELS = {
    "acknowledge": _l("Acknowledge receipt"),
    "classify": _l("Classify"),
    "route_to_vp": _l("Route to a confidential counsellor"),
    "route_to_ic": _l("Route to the integrity coordinator"),
    "refer_elsewhere": _l("Refer elsewhere and close"),
    "close_early": _l("Close: withdrawn or not admissible"),
    "escalate_to_ic": _l("Pass on to the integrity coordinator (with consent)"),
    "close_advice": _l("Close: advice given or referred"),
    "start_inquiry": _l("Start preliminary inquiry"),
    "refer_to_external": _l("Refer to an external bureau"),
    "deliver_external_report": _l("Deliver the investigation report"),
    "record_hearing": _l("Record a hearing (hoor en wederhoor)"),
    "record_decision": _l("Record decision"),
    "close": _l("Close the case"),
    "reopen": _l("Reopen"),
}
# What an action's form says besides its fields.
ACTION_HINTS = {
    "route_to_vp": _l("Intake's access to the case ends when it is routed."),
    "route_to_ic": _l("The integrity coordinator(s) of the unit receive the case; "
                      "intake's access ends."),
    "record_hearing": _l("Hear every accused person concerned before the decision. The person "
                         "heard checks the minutes; record their approval or comments under "
                         "Persons concerned."),
    "record_decision": _l("On a formal report, every accused person concerned must have been "
                          "heard first (the minutes approved, or the person declined)."),
}
# Shown on an action that requires the reporter's consent while there is none.
ACTION_WITHOUT_CONSENT = {
    "escalate_to_ic": _l("The reporter has not recorded consent to pass the case on. "
                         "Ask for it in the conversation first."),
}
# By field name, or by "action.field" where one action words it differently.
FIELD_LABELS = {
    "text": _l("Acknowledgement to the reporter"),
    "track": _l("Track"),
    "unit_id": _l("Unit"),
    "category": _l("Category"),
    "subcategory": _l("Subtype"),
    "vp_id": _l("Confidential counsellor"),
    "referred_to": _l("Referred to"),
    "close_advice.referred_to": _l("Referred to (if referred)"),
    "message": _l("Message to the reporter (optional)"),
    "reason": _l("Reason"),
    "reopen.reason": _l("Reason for reopening"),
    "outcome": _l("Outcome"),
    "bureau_id": _l("Bureau"),
    "fields": _l("Parts of the report to send"),
    "attachment_ids": _l("Attachments to send"),
    "include_identity": _l("Include the reporter's identity (the reporter consented)"),
    "findings": _l("Findings"),
    "report_file": _l("Investigation report (file)"),
    "measure": _l("Measure (if founded)"),
    "feedback": _l("Feedback to the reporter (optional)"),
    "close_reason": _l("Close reason"),
    "person_id": _l("Person heard"),
    "held_on": _l("Date of the hearing"),
    "present": _l("Who was present (optional)"),
    "minutes": _l("Minutes of the hearing"),
    "declined": _l("The person declined to be heard (write in the minutes how they were "
                   "invited)"),
}
FIELD_HINTS = {
    "text": _l("The reporter reads this in their mailbox. You may edit the standard text."),
    "feedback": _l("The reporter reads this in their mailbox. Do not name other people."),
    "minutes": _l("Never shown to the reporter. The person heard checks it."),
}
# The first, empty option of an optional select.
FIELD_EMPTY_OPTIONS = {
    "category": _l("Not yet known"),
    "subcategory": _l("None"),
    "close_advice.referred_to": _l("Not referred"),
}
# Shown instead of a field offered only with the reporter's consent.
FIELD_WITHOUT_CONSENT = {
    "include_identity": _l("The reporter's identity is never sent without their consent."),
}


# --- persons concerned (app/cases/persons.py, hearings.py, subject_requests.py) ---------

PERSON_ROLE_LABELS: dict[PersonRole, LazyString] = {
    PersonRole.ACCUSED: _l("Accused (the report is about them)"),
    PersonRole.WITNESS: _l("Witness"),
    PersonRole.OTHER: _l("Otherwise concerned"),
}
NOTICE_STATUS_LABELS: dict[NoticeStatus, LazyString] = {
    NoticeStatus.PENDING: _l("Not yet informed"),
    NoticeStatus.INFORMED: _l("Informed"),
    NoticeStatus.DEFERRED: _l("Informing deferred"),
}
NOTICE_MEANS_LABELS: dict[NoticeMeans, LazyString] = {
    NoticeMeans.LETTER: _l("By letter"),
    NoticeMeans.EMAIL: _l("By e-mail"),
    NoticeMeans.CONVERSATION: _l("In a conversation"),
    NoticeMeans.OTHER: _l("Otherwise"),
}
RESTRICTION_GROUND_LABELS: dict[RestrictionGround, LazyString] = {
    RestrictionGround.INQUIRY: _l("It would harm the inquiry (GDPR art. 23(1)(d) and (h), UAVG "
                                  "art. 41(1)(d) and (g))"),
    RestrictionGround.REPORTER_PROTECTION: _l("It would reveal or endanger the reporter "
                                              "(Directive 2019/1937 art. 16 and 22, Wbk; UAVG "
                                              "art. 41(1)(i))"),
    RestrictionGround.RIGHTS_OF_OTHERS: _l("It would harm the rights and freedoms of others, "
                                           "such as witnesses (UAVG art. 41(1)(i))"),
    RestrictionGround.PROCEEDINGS: _l("Disciplinary or criminal proceedings are under way "
                                      "(UAVG art. 41(1)(d) and (h))"),
}
REQUEST_KIND_LABELS: dict[SubjectRequestKind, LazyString] = {
    SubjectRequestKind.ACCESS: _l("Access (GDPR art. 15)"),
    SubjectRequestKind.RECTIFICATION: _l("Rectification (art. 16)"),
    SubjectRequestKind.ERASURE: _l("Erasure (art. 17)"),
    SubjectRequestKind.RESTRICTION: _l("Restriction of processing (art. 18)"),
    SubjectRequestKind.OBJECTION: _l("Objection (art. 21)"),
}
REQUEST_DECISION_LABELS: dict[SubjectRequestDecision, LazyString] = {
    SubjectRequestDecision.GRANTED: _l("Granted"),
    SubjectRequestDecision.PARTLY_GRANTED: _l("Partly granted"),
    SubjectRequestDecision.REFUSED: _l("Refused"),
}
HEARING_STATUS_LABELS: dict[HearingStatus, LazyString] = {
    HearingStatus.DRAFT: _l("not yet given to the person heard"),
    HearingStatus.AWAITING_PERSON: _l("with the person heard, to check"),
    HearingStatus.COMMENTS_RECEIVED: _l("comments received: make a revised version"),
    HearingStatus.APPROVED: _l("approved by the person heard"),
    HearingStatus.DECLINED: _l("the person declined"),
}


def person_role_label(code: str | None) -> str:
    return _label(PERSON_ROLE_LABELS, code)


def notice_status_label(code: str | None) -> str:
    return _label(NOTICE_STATUS_LABELS, code)


def notice_means_label(code: str | None) -> str:
    return _label(NOTICE_MEANS_LABELS, code)


def restriction_ground_label(code: str | None) -> str:
    return _label(RESTRICTION_GROUND_LABELS, code)


def request_kind_label(code: str | None) -> str:
    return _label(REQUEST_KIND_LABELS, code)


def request_decision_label(code: str | None) -> str:
    return _label(REQUEST_DECISION_LABELS, code)


def hearing_status_label(code: str | None) -> str:
    return _label(HEARING_STATUS_LABELS, code)


PERSON_HELPERS = {
    "person_role_label": person_role_label,
    "notice_status_label": notice_status_label,
    "notice_means_label": notice_means_label,
    "restriction_ground_label": restriction_ground_label,
    "request_kind_label": request_kind_label,
    "request_decision_label": request_decision_label,
    "hearing_status_label": hearing_status_label,
}


def for_field(table: dict, action: str, name: str) -> object | None:
    """A field's entry in one of the tables above: the action's own wording first."""
    return table.get(f"{action}.{name}", table.get(name))

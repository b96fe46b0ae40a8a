"""The domain's vocabulary: one enum per kind of code, stored as its value.

Every state, track, channel, outcome, measure, close reason, referral target
and role is defined here once; models store these enums and every other
module names them from here. What a code is called on a page lives in one
label table per enum in the web layer (app/web/labels.py), never here.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    WITH_VP = "with_vp"
    WITH_IC = "with_ic"
    INQUIRY = "inquiry"
    EXTERNAL_INVESTIGATION = "external_investigation"
    DECISION = "decision"
    CLOSED = "closed"


OPEN_STATES = tuple(state for state in State if state is not State.CLOSED)


class Track(StrEnum):
    """Advice: the confidential counsellor's track (a signal or a request for
    advice). Report: a report of a suspected integrity violation, handled by
    the integrity coordinator."""

    ADVICE = "advice"
    REPORT = "report"


class Channel(StrEnum):
    """How much of their identity the reporter shares."""

    ANONYMOUS = "anonymous"
    CONFIDENTIAL = "confidential"
    OPEN = "open"


class IntakeChannel(StrEnum):
    """How the report reached the organisation."""

    WEB = "web"
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"


class Outcome(StrEnum):
    ADVICE_GIVEN = "advice_given"
    REFERRED = "referred"
    WITHDRAWN = "withdrawn"
    NOT_ADMISSIBLE = "not_admissible"
    UNFOUNDED = "unfounded"
    NOT_ESTABLISHED = "not_established"
    FOUNDED = "founded"


ADVICE_OUTCOMES = (Outcome.ADVICE_GIVEN, Outcome.REFERRED)
DECISION_OUTCOMES = (Outcome.UNFOUNDED, Outcome.NOT_ESTABLISHED, Outcome.FOUNDED,
                     Outcome.NOT_ADMISSIBLE)


class Measure(StrEnum):
    NONE = "none"
    WARNING = "warning"
    REPRIMAND = "reprimand"
    TRANSFER = "transfer"
    CONDITIONAL_DISMISSAL = "conditional_dismissal"
    DISMISSAL = "dismissal"
    CRIMINAL_COMPLAINT = "criminal_complaint"
    ORGANISATIONAL_MEASURE = "organisational_measure"


class CloseReason(StrEnum):
    HANDLED = "handled"
    WITHDRAWN = "withdrawn"
    NOT_ADMISSIBLE = "not_admissible"
    REFERRED = "referred"
    ADVICE_GIVEN = "advice_given"
    # A confidential counsellor's signal, registered and closed at once.
    SIGNAL = "signal"


EARLY_CLOSE_REASONS = (CloseReason.WITHDRAWN, CloseReason.NOT_ADMISSIBLE)
# What the integrity coordinator chooses from when closing a decided case.
DECISION_CLOSE_REASONS = (CloseReason.HANDLED, CloseReason.WITHDRAWN,
                          CloseReason.NOT_ADMISSIBLE, CloseReason.REFERRED)


class ReferralTarget(StrEnum):
    IC = "ic"
    HR = "hr"
    COMPANY_DOCTOR = "company_doctor"
    MANAGER = "manager"
    POLICE = "police"
    EXTERNAL_VP = "external_vp"
    OTHER = "other"


class Role(StrEnum):
    INTAKE = "intake"
    VP = "vertrouwenspersoon"
    IC = "integriteitscoordinator"
    ICC = "icc"
    EXTERNAL = "external_investigator"
    ADMIN = "admin"
    AUDITOR = "auditor"


# Roles that may ever hold a case key. Admin and auditor never do
# (separation of duties), whatever other code asks.
HANDLER_ROLES = frozenset({Role.INTAKE, Role.VP, Role.IC, Role.ICC, Role.EXTERNAL})


class UnitKind(StrEnum):
    """A part of the ministry (a unit reporters belong to), the pool of
    external vertrouwenspersonen, the home of central vertrouwenspersonen who
    serve every unit, or an external investigation bureau."""

    UNIT = "unit"
    EXTERNAL = "external"
    CENTRAL = "central"
    BUREAU = "bureau"


class CounsellorKind(StrEnum):
    """What kind of vertrouwenspersoon someone is, by the kind of their own
    unit: internal (a part of the ministry), external (the pool of external
    counsellors) or central (serving every unit)."""

    INTERNAL = "internal"
    EXTERNAL = "external"
    CENTRAL = "central"


COUNSELLOR_KIND_OF_UNIT = {UnitKind.UNIT: CounsellorKind.INTERNAL,
                           UnitKind.EXTERNAL: CounsellorKind.EXTERNAL,
                           UnitKind.CENTRAL: CounsellorKind.CENTRAL}


class AuthorKind(StrEnum):
    """Who wrote a message or uploaded a file."""

    REPORTER = "reporter"
    STAFF = "staff"
    EXTERNAL = "external"


class ReporterEventKind(StrEnum):
    """What a reporter did in the mailbox that their handlers should hear of
    (app/cases/notify.py): the kind only, never the content."""

    REPLY = "reply"
    MEETING = "meeting"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    MINUTES_APPROVED = "minutes_approved"
    MINUTES_CORRECTED = "minutes_corrected"


class PersonRole(StrEnum):
    """The part a person concerned plays in a case (kept encrypted, in the
    case file; the code is what the sealed record holds)."""

    ACCUSED = "accused"
    WITNESS = "witness"
    OTHER = "other"


class NoticeStatus(StrEnum):
    """Whether a person concerned was told that the case records them (GDPR
    art. 14): not yet decided, informed, or informing deferred on a ground."""

    PENDING = "pending"
    INFORMED = "informed"
    DEFERRED = "deferred"


class NoticeMeans(StrEnum):
    """How a person concerned was informed."""

    LETTER = "letter"
    EMAIL = "email"
    CONVERSATION = "conversation"
    OTHER = "other"


class RestrictionGround(StrEnum):
    """The legal grounds on which informing a person concerned, or their
    request, may be deferred or restricted (GDPR art. 23(1), UAVG art. 41(1),
    Directive 2019/1937 art. 16 and 22, Wbk)."""

    # The inquiry would be harmed (UAVG art. 41(1)(d), prevention and
    # investigation of offences and breaches of professional rules: (1)(g)).
    INQUIRY = "inquiry"
    # The reporter's identity and protection (Directive art. 16, Wbk; UAVG
    # art. 41(1)(i): the rights and freedoms of others).
    REPORTER_PROTECTION = "reporter_protection"
    # Other people's rights and freedoms (witnesses, colleagues).
    RIGHTS_OF_OTHERS = "rights_of_others"
    # Disciplinary or criminal proceedings (UAVG art. 41(1)(d), (h)).
    PROCEEDINGS = "proceedings"


class SubjectRequestKind(StrEnum):
    """What a data subject asks (GDPR art. 15-21)."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"


class SubjectRequestDecision(StrEnum):
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"


class HearingStatus(StrEnum):
    """A hearing's minutes, as the heard person checks them: not yet given,
    given to them to check, their comments received, approved; or the
    person declined to be heard (or to approve), which is recorded too."""

    DRAFT = "draft"
    AWAITING_PERSON = "awaiting_person"
    COMMENTS_RECEIVED = "comments_received"
    APPROVED = "approved"
    DECLINED = "declined"


# A hearing with one of these statuses counts as held for the decision.
HEARING_DONE = (HearingStatus.APPROVED, HearingStatus.DECLINED)
class RegrantReason(StrEnum):
    """Why the ICC asks for a stranded case to be re-granted with the
    recovery key (a code, never free text: the request is clear metadata)."""

    HOLDER_LEFT = "holder_left"
    KEY_LOST = "key_lost"
    ABSENT = "absent"


class AuditAction(StrEnum):
    """Every action the audit log records; `AuditLog.record` refuses any
    other. Each workflow transition is recorded as `case.<action>`."""

    # The reporter.
    REPORT_SUBMITTED = "report.submitted"
    REPORT_REGISTERED = "report.registered"
    MAILBOX_OPENED = "mailbox.opened"
    MAILBOX_CLOSED = "mailbox.closed"
    MAILBOX_READ = "mailbox.read"
    MAILBOX_SIGN_IN_FAILED = "mailbox.sign_in_failed"
    MAILBOX_SIGN_IN_THROTTLED = "mailbox.sign_in_throttled"
    MAILBOX_CODE_REPLACED = "mailbox.code_replaced"
    MAILBOX_MESSAGE_SENT = "mailbox.message_sent"
    MAILBOX_MEETING_REQUESTED = "mailbox.meeting_requested"
    MAILBOX_FILES_ADDED = "mailbox.files_added"
    MAILBOX_CONSENT_GIVEN = "mailbox.consent_given"
    MAILBOX_CONSENT_WITHDRAWN = "mailbox.consent_withdrawn"
    MAILBOX_IDENTITY_DISCLOSED = "mailbox.identity_disclosed"
    MAILBOX_NAME_CONSENT_GIVEN = "mailbox.name_consent_given"
    MAILBOX_NAME_CONSENT_WITHDRAWN = "mailbox.name_consent_withdrawn"
    MAILBOX_WITHDRAWN = "mailbox.withdrawn"
    MAILBOX_MINUTES_APPROVED = "mailbox.minutes_approved"
    MAILBOX_MINUTES_CORRECTED = "mailbox.minutes_corrected"
    MAILBOX_NEWS_ADDRESS_SET = "mailbox.news_address_set"
    MAILBOX_NEWS_ADDRESS_REMOVED = "mailbox.news_address_removed"
    # The workflow transitions (app/cases/workflow.py TRANSITIONS).
    CASE_ACKNOWLEDGE = "case.acknowledge"
    CASE_CLASSIFY = "case.classify"
    CASE_ROUTE_TO_VP = "case.route_to_vp"
    CASE_ROUTE_TO_IC = "case.route_to_ic"
    CASE_REFER_ELSEWHERE = "case.refer_elsewhere"
    CASE_CLOSE_EARLY = "case.close_early"
    CASE_ESCALATE_TO_IC = "case.escalate_to_ic"
    CASE_CLOSE_ADVICE = "case.close_advice"
    CASE_START_INQUIRY = "case.start_inquiry"
    CASE_REFER_TO_EXTERNAL = "case.refer_to_external"
    CASE_DELIVER_EXTERNAL_REPORT = "case.deliver_external_report"
    CASE_RECORD_DECISION = "case.record_decision"
    CASE_RECORD_HEARING = "case.record_hearing"
    CASE_CLOSE = "case.close"
    CASE_REOPEN = "case.reopen"
    # Staff work on a case.
    CASE_OPEN = "case.open"
    CASE_OPEN_FOR_ACTION = "case.open_for_action"
    CASE_OPEN_FOR_LEGAL_HOLD = "case.open_for_legal_hold"
    CASE_MESSAGE_READ_FOR_REPLY = "case.message_read_for_reply"
    CASE_ACT = "case.act"
    CASE_MESSAGE_SENT = "case.message_sent"
    CASE_FEEDBACK_GIVEN = "case.feedback_given"
    CASE_NOTE_ADDED = "case.note_added"
    CASE_MINUTES_RECORDED = "case.minutes_recorded"
    CASE_MINUTES_REVISED = "case.minutes_revised"
    CASE_MINUTES_SENT = "case.minutes_sent"
    CASE_MINUTES_APPROVED_ON_PAPER = "case.minutes_approved_on_paper"
    CASE_SIGNAL_REGISTERED = "case.signal_registered"
    CASE_REGISTERED_WITH_VP = "case.registered_with_vp"
    CASE_RECUSED = "case.recused"
    CASE_EXCLUDED = "case.excluded"
    CASE_RESTRICTION_LIFTED = "case.restriction_lifted"
    CASE_GRANT = "case.grant"
    CASE_REGRANT = "case.regrant"
    CASE_REVOKE = "case.revoke"
    # A holder hands the case to a colleague (two entries: the case, and the
    # colleague as a user object, so the log names the recipient).
    CASE_HANDOVER = "case.handover"
    CASE_REGRANT_REQUESTED = "case.regrant_requested"
    CASE_FILE_EXPORTED = "case.file_exported"
    CASE_LEGAL_HOLD_SET = "case.legal_hold_set"
    CASE_LEGAL_HOLD_LIFTED = "case.legal_hold_lifted"
    CASE_SHREDDED = "case.shredded"
    ATTACHMENT_DOWNLOAD = "attachment.download"
    # Persons concerned (app/cases/persons.py, hearings.py, subject_requests.py).
    PERSON_ADDED = "person.added"
    PERSON_CHANGED = "person.changed"
    PERSON_REMOVED = "person.removed"
    PERSON_INFORMED = "person.informed"
    PERSON_NOTICE_DEFERRED = "person.notice_deferred"
    PERSON_REPEAT_LOOKUP = "person.repeat_lookup"
    PERSON_REVIEW_REQUESTED = "person.review_requested"
    PERSON_REVIEW_LOOKUP = "person.review_lookup"
    PERSON_REVIEW_DONE = "person.review_done"
    PERSON_EXCLUDED_AS_NAMED = "person.excluded_as_named"
    HEARING_REVISED = "hearing.revised"
    HEARING_GIVEN = "hearing.given"
    HEARING_APPROVED = "hearing.approved"
    HEARING_COMMENTS = "hearing.comments"
    HEARING_DECLINED = "hearing.declined"
    SUBJECT_REQUEST_REGISTERED = "subject_request.registered"
    SUBJECT_REQUEST_DECIDED = "subject_request.decided"
    SUBJECT_REQUEST_EXTRACT = "subject_request.extract"
    # Accounts and signing in.
    SIGNIN_PASSWORD = "signin.password"  # noqa: S105 - an action, not a password
    SIGNIN_SECOND_FACTOR = "signin.second_factor"
    SIGNIN_SUCCESS = "signin.success"
    SIGNOUT = "signout"
    ACCOUNT_LOCKED = "account.locked"
    # Many wrong receipt codes or failed sign-ins: told to the admin (#25).
    SECURITY_FLOOD_DETECTED = "security.flood_detected"
    ACCESS_DENIED = "access.denied"
    MFA_ENROL = "mfa.enrol"
    MFA_ENROLLED = "mfa.enrolled"
    MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used"
    MFA_RECOVERY_CODES_REPLACED = "mfa.recovery_codes_replaced"
    PASSWORD_SET = "password.set"  # noqa: S105 - an action, not a password
    PASSWORD_CHANGE = "password.change"  # noqa: S105 - an action, not a password
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 - an action, not a password
    KEYS_CREATED = "keys.created"
    KEYS_RECOVERY_REGRANT = "keys.recovery_regrant"
    KEYS_RECOVERY_ROTATED = "keys.recovery_rotated"
    KEYS_CASE_UPGRADED = "keys.case_upgraded"
    # The blind index of persons concerned moved to a new key: per case whose
    # names were opened with the recovery key, and once for the key.
    KEYS_PERSON_INDEX_ROTATED = "keys.person_index_rotated"
    KEYS_ENDORSED = "keys.endorsed"
    KEYS_REVOKED = "keys.revoked"
    KEYS_WRAP_REFUSED = "keys.wrap_refused"
    # Administration.
    ADMIN_USER_CREATED = "admin.user_created"
    ADMIN_USER_UPDATED = "admin.user_updated"
    ADMIN_USER_UNLOCKED = "admin.user_unlocked"
    ADMIN_PASSWORD_RESET = "admin.password_reset"  # noqa: S105 - an action, not a password
    ADMIN_SECOND_FACTOR_RESET = "admin.second_factor_reset"
    ADMIN_UNIT_CREATED = "admin.unit_created"
    ADMIN_RETENTION_RULE_SET = "admin.retention_rule_set"
    ADMIN_RETENTION_PROPOSED = "admin.retention_proposed"
    ADMIN_RETENTION_APPROVED = "admin.retention_approved"
    ADMIN_RETENTION_REJECTED = "admin.retention_rejected"
    ADMIN_PAGE_TEXT_CHANGED = "admin.page_text_changed"
    ADMIN_PAGE_TEXT_RESET = "admin.page_text_reset"
    # Statistics, the audit log itself, scheduled jobs.
    STATS_VIEWED = "stats.viewed"
    STATS_EXPORTED = "stats.exported"
    VP_REPORT_VIEWED = "vp_report.viewed"
    VP_REPORT_EXPORTED = "vp_report.exported"
    VP_REPORT_NARRATIVE_SAVED = "vp_report.narrative_saved"
    AUDIT_VIEWED = "audit.viewed"
    AUDIT_EXPORTED = "audit.exported"
    AUDIT_PRUNED = "audit.pruned"
    AUDIT_PRUNE_REFUSED = "audit.prune_refused"
    REMINDERS_SENT = "reminders.sent"
    NOTIFICATIONS_SENT = "notifications.sent"
    REPORTER_NEWS_SENT = "reporter_news.sent"
    NOTIFY_PREFERENCE_SET = "account.notify_preference_set"
    RETENTION_CASE_DELETED = "retention.case_deleted"
    RETENTION_MAILBOX_CLOSED = "retention.mailbox_closed"

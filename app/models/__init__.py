"""All models, imported here so Alembic and the app see one metadata."""

# Registers the flush listener that keeps reporter-driven times to the day.
import app.daytime  # noqa: F401
from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import Base, utcnow
from app.models.case import (
    Attachment,
    Case,
    CompartmentWrap,
    IdentityConsent,
    KeyWrap,
    Message,
    Receipt,
)
from app.models.casework import CaseNote, CaseRestriction, ExternalReferral, RegrantRequest
from app.models.files import StoredChunk, StoredFile
from app.models.minutes import MeetingMinutes, MinutesVersion
from app.models.notify import (
    CaseSeen,
    Notification,
    NotifyPreference,
    ReporterContact,
    ReporterEvent,
)
from app.models.org import Unit
from app.models.page_text import PageText
from app.models.persons import (
    Hearing,
    HearingVersion,
    PersonConcerned,
    PersonIndexEntry,
    RepeatReview,
    SubjectRequest,
)
from app.models.reporter import MailboxThrottle, ReporterSession, SendToken
from app.models.retention import CaseTally, PersonEventTally, RetentionChange, RetentionRule
from app.models.trust import KeyEndorsement, KeyRevocation
from app.models.user import RecoveryCode, StaffSession, User, UserRole
from app.models.vp_report import CounsellorNarrative

__all__ = [
    "Attachment",
    "AuditAnchor",
    "AuditEntry",
    "Base",
    "Case",
    "CaseNote",
    "CaseRestriction",
    "CaseSeen",
    "CaseTally",
    "CounsellorNarrative",
    "ExternalReferral",
    "Hearing",
    "HearingVersion",
    "CompartmentWrap",
    "IdentityConsent",
    "KeyEndorsement",
    "KeyRevocation",
    "KeyWrap",
    "MailboxThrottle",
    "MeetingMinutes",
    "Message",
    "MinutesVersion",
    "Notification",
    "NotifyPreference",
    "PageText",
    "PersonConcerned",
    "PersonEventTally",
    "PersonIndexEntry",
    "Receipt",
    "ReporterContact",
    "RecoveryCode",
    "RegrantRequest",
    "RepeatReview",
    "ReporterEvent",
    "ReporterSession",
    "RetentionChange",
    "RetentionRule",
    "SendToken",
    "StoredChunk",
    "StoredFile",
    "StaffSession",
    "SubjectRequest",
    "Unit",
    "User",
    "UserRole",
    "utcnow",
]

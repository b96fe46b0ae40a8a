"""All models, imported here so Alembic and the app see one metadata."""

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
from app.models.reporter import MailboxThrottle, ReporterSession, SendToken
from app.models.retention import CaseTally, RetentionRule
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
    "CompartmentWrap",
    "IdentityConsent",
    "KeyWrap",
    "MailboxThrottle",
    "MeetingMinutes",
    "Message",
    "MinutesVersion",
    "Notification",
    "NotifyPreference",
    "PageText",
    "Receipt",
    "ReporterContact",
    "RecoveryCode",
    "RegrantRequest",
    "ReporterEvent",
    "ReporterSession",
    "RetentionRule",
    "SendToken",
    "StaffSession",
    "Unit",
    "User",
    "UserRole",
    "utcnow",
]

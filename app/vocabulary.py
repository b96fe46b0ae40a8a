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
    UNIT = "unit"
    EXTERNAL = "external"
    BUREAU = "bureau"


class AuthorKind(StrEnum):
    """Who wrote a message or uploaded a file."""

    REPORTER = "reporter"
    STAFF = "staff"
    EXTERNAL = "external"

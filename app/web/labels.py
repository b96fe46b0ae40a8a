"""Dutch/English labels for the clear metadata of a case."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATE_LABELS = {
    "received": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "with_vp": _l("With the confidential counsellor"),
    "with_ic": _l("With the integrity coordinator"),
    "inquiry": _l("Preliminary inquiry"),
    "external_investigation": _l("External investigation"),
    "decision": _l("Decision"),
    "closed": _l("Closed"),
}
TRACK_LABELS = {
    "advice": _l("Advice (confidential counsellor)"),
    "report": _l("Formal report (integrity coordinator)"),
}
CHANNEL_LABELS = {
    "anonymous": _l("Anonymous"),
    "confidential": _l("Confidential (name known to the handlers only)"),
    "open": _l("Open"),
}
REPORT_FIELD_LABELS = {
    "what": _l("What happened"),
    "when": _l("When"),
    "where": _l("Where"),
    "involved": _l("Who was involved"),
    "witnesses": _l("Witnesses"),
    "reported_elsewhere": _l("Reported elsewhere"),
    "preferred_counsellor": _l("Preferred confidential counsellor"),
    "name": _l("Name"),
    "email": _l("E-mail address"),
    "phone": _l("Telephone"),
    "contact": _l("How to contact"),
}


def _label(table: dict, key: str | None) -> str:
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


OUTCOME_LABELS = {
    "advice_given": _l("Advice given"),
    "referred": _l("Referred elsewhere"),
    "withdrawn": _l("Withdrawn"),
    "not_admissible": _l("Not admissible"),
    "unfounded": _l("Unfounded"),
    "not_established": _l("Not established"),
    "founded": _l("Founded"),
}
MEASURE_LABELS = {
    "none": _l("No measure"),
    "warning": _l("Warning"),
    "reprimand": _l("Reprimand"),
    "transfer": _l("Transfer"),
    "conditional_dismissal": _l("Conditional dismissal"),
    "dismissal": _l("Dismissal"),
    "criminal_complaint": _l("Criminal complaint filed"),
    "organisational_measure": _l("Organisational measure"),
}
CLOSE_REASON_LABELS = {
    "handled": _l("Handled"),
    "withdrawn": _l("Withdrawn by the reporter"),
    "not_admissible": _l("Not admissible"),
    "referred": _l("Referred elsewhere"),
    "advice_given": _l("Advice given"),
    "signal": _l("Signal registered"),
}
REFERRAL_LABELS = {
    "ic": _l("Integrity coordinator"),
    "hr": _l("HR / personnel department"),
    "company_doctor": _l("Company doctor"),
    "manager": _l("Manager"),
    "police": _l("Police"),
    "external_vp": _l("External confidential counsellor"),
    "other": _l("Elsewhere"),
}
INTAKE_CHANNEL_LABELS = {
    "web": _l("Web form"),
    "phone": _l("Telephone"),
    "email": _l("E-mail"),
    "letter": _l("Letter"),
    "in_person": _l("In person"),
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
ACTION_AUDIT_LABELS = {
    "report.submitted": _l("Report submitted by the reporter"),
    "report.registered": _l("Report registered by staff"),
    "case.acknowledge": _l("Receipt acknowledged"),
    "case.classify": _l("Classified"),
    "case.route_to_vp": _l("Routed to a confidential counsellor"),
    "case.route_to_ic": _l("Routed to the integrity coordinator"),
    "case.refer_elsewhere": _l("Referred elsewhere and closed"),
    "case.close_early": _l("Closed (withdrawn or not admissible)"),
    "case.escalate_to_ic": _l("Passed on to the integrity coordinator"),
    "case.close_advice": _l("Closed by the confidential counsellor"),
    "case.start_inquiry": _l("Preliminary inquiry started"),
    "case.refer_to_external": _l("Referred to an external bureau"),
    "case.deliver_external_report": _l("External report delivered"),
    "case.record_decision": _l("Decision recorded"),
    "case.close": _l("Closed"),
    "case.reopen": _l("Reopened"),
    "case.message_sent": _l("Message sent to the reporter"),
    "case.note_added": _l("Note added"),
    "case.minutes_recorded": _l("Minutes of a meeting recorded"),
    "case.minutes_revised": _l("Minutes of a meeting revised"),
    "case.minutes_sent": _l("Minutes sent to the reporter for approval"),
    "case.minutes_approved_on_paper": _l("Minutes approved by the reporter on paper"),
    "mailbox.minutes_approved": _l("Minutes approved by the reporter"),
    "mailbox.minutes_corrected": _l("Corrections to the minutes sent by the reporter"),
    "case.recused": _l("A handler recused"),
    "case.excluded": _l("A person was excluded"),
    "case.restriction_lifted": _l("A restriction was lifted"),
    "case.grant": _l("Access granted"),
    "case.regrant": _l("Access restored"),
    "case.revoke": _l("Access removed"),
    "case.signal_registered": _l("Signal registered"),
    "case.registered_with_vp": _l("With the confidential counsellor"),
}


def outcome_label(code: str | None) -> str:
    return _label(OUTCOME_LABELS, code)


def measure_label(code: str | None) -> str:
    return _label(MEASURE_LABELS, code)


def close_reason_label(code: str | None) -> str:
    return _label(CLOSE_REASON_LABELS, code)


def referral_label(code: str | None) -> str:
    return _label(REFERRAL_LABELS, code)


def intake_channel_label(code: str | None) -> str:
    return _label(INTAKE_CHANNEL_LABELS, code)


def audit_action_label(code: str) -> str:
    return _label(ACTION_AUDIT_LABELS, code)


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
}

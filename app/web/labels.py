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
    "record_decision": _l("Record decision"),
    "close": _l("Close the case"),
    "reopen": _l("Reopen"),
}
# What an action's form says besides its fields.
ACTION_HINTS = {
    "route_to_vp": _l("Intake's access to the case ends when it is routed."),
    "route_to_ic": _l("The integrity coordinator(s) of the unit receive the case; "
                      "intake's access ends."),
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
}
FIELD_HINTS = {
    "text": _l("The reporter reads this in their mailbox. You may edit the standard text."),
    "feedback": _l("The reporter reads this in their mailbox. Do not name other people."),
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


def for_field(table: dict, action: str, name: str) -> object | None:
    """A field's entry in one of the tables above: the action's own wording first."""
    return table.get(f"{action}.{name}", table.get(name))

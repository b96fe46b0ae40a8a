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

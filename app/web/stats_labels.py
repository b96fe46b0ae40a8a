"""Labels for the codes in published tables, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.web.typology_labels import label_for

TABLE_TITLES = {
    "received_by_category": _l("Reports received, by category and track"),
    "received_by_unit_channel": _l("Reports received, by unit and channel"),
    "closed_by_outcome": _l("Reports closed (afgedaan), by outcome and track"),
    "measures": _l("Measures taken in founded cases closed this year"),
    "vp_signals_by_unit": _l("Signals to the confidential counsellors, by unit"),
    "trend_received": _l("Reports received per year (trend)"),
}
CODES = {
    "advice": _l("Advice"), "report": _l("Formal report"),
    "anonymous": _l("Anonymous"), "confidential": _l("Confidential"), "open": _l("Open"),
    "advice_given": _l("Advice given"), "referred": _l("Referred elsewhere"),
    "withdrawn": _l("Withdrawn"), "not_admissible": _l("Not admissible"),
    "unfounded": _l("Unfounded"), "not_established": _l("Not established"),
    "founded": _l("Founded"), "none": _l("None recorded"),
    "warning": _l("Warning"), "reprimand": _l("Reprimand"), "transfer": _l("Transfer"),
    "conditional_dismissal": _l("Conditional dismissal"), "dismissal": _l("Dismissal"),
    "criminal_complaint": _l("Criminal complaint"),
    "organisational_measure": _l("Organisational measure"),
    "escalated": _l("Passed to the integrity coordinator"), "other_closed": _l("Otherwise closed"),
    "count": _l("Number"), "unclassified": _l("Not classified"),
    "acknowledged_in_time": _l("Acknowledged within the deadline"),
    "feedback_in_time": _l("Feedback within the deadline"),
}


# What each figure means; shown on the page and carried by every export.
DEFINITIONS = (
    _l("Received in a year: received or registered on a date in that year."),
    _l("Closed (afgedaan) in a year: closed on a date in that year."),
    _l("Acknowledged in time: acknowledged on or before the acknowledgement deadline; "
       "cases not yet acknowledged whose deadline is still ahead are left out."),
    _l("Feedback in time: the first feedback after the acknowledgement (a handler's "
       "message or the decision) on or before the feedback deadline; cases without "
       "feedback whose deadline is still ahead are left out."),
    _l("Days to close: calendar days from receipt to closure; median and 90th "
       "percentile (nearest rank)."),
    _l("Small numbers: counts from 1 to the threshold minus 1 are shown as '< threshold'; "
       "cells marked 'x' are hidden so that those numbers can not be worked out from "
       "totals or from another table."),
)


def definitions() -> list[str]:
    return [str(text) for text in DEFINITIONS]


def label(code: str) -> str:
    if code in CODES:
        return str(CODES[code])
    if "/" in code:
        category, sub = code.split("/", 1)
        return f"{label_for(category)}: {label_for(sub)}"
    return label_for(code)


def title(key: str) -> str:
    return str(TABLE_TITLES.get(key, key))

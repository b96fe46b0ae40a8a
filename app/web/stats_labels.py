"""Labels for the codes in published tables, in the user's language."""

from __future__ import annotations

from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.stats.disclosure import ProtectedTable
from app.stats.report import NO_OUTCOME
from app.vocabulary import Channel, Measure, RestrictionGround, Track
from app.web.labels import CHANNEL_LABELS, MEASURE_LABELS, OUTCOME_LABELS
from app.web.typology_labels import label_for

TABLE_TITLES = {
    "received_by_category": _l("Reports received, by category and track"),
    "received_by_unit_channel": _l("Reports received, by unit and channel"),
    "closed_by_outcome": _l("Reports closed (afgedaan), by outcome and track"),
    "measures": _l("Measures taken in founded cases closed this year"),
    "vp_signals_by_unit": _l("Signals to the confidential counsellors, by unit"),
    "trend_received": _l("Reports received per year (trend)"),
    "hearings_held": _l("Hearings held (hoor en wederhoor), by how they ended"),
    "notices_deferred": _l("Informing a person concerned deferred, by legal ground"),
}
# The tables' own row and column codes, and the shorter words a published
# table uses for a few codes of the vocabulary; every other code of the
# vocabulary is labelled by its table in app/web/labels.py.
CODES = {
    Track.ADVICE: _l("Advice"), Track.REPORT: _l("Formal report"),
    Channel.CONFIDENTIAL: _l("Confidential"),
    NO_OUTCOME: _l("No outcome recorded"), Measure.CRIMINAL_COMPLAINT: _l("Criminal complaint"),
    "escalated": _l("Passed to the integrity coordinator"), "other_closed": _l("Otherwise closed"),
    "count": _l("Number"), "unclassified": _l("Not classified"),
    "acknowledged_in_time": _l("Acknowledged within the deadline"),
    "feedback_in_time": _l("Feedback within the deadline"),
    "total": _l("Total"),
    "hearing_approved": _l("Heard: the person approved the minutes"),
    "hearing_declined": _l("The person declined to be heard or to approve the minutes"),
    RestrictionGround.INQUIRY: _l("To protect the inquiry"),
    RestrictionGround.REPORTER_PROTECTION: _l("To protect the reporter"),
    RestrictionGround.RIGHTS_OF_OTHERS: _l("To protect the rights of others"),
    RestrictionGround.PROCEEDINGS: _l("Disciplinary or criminal proceedings"),
}
# "open" as a column of the confidential counsellors' table (cases still
# open) reads as the channel does.
VOCABULARY_TABLES = (CHANNEL_LABELS, OUTCOME_LABELS, MEASURE_LABELS)


# What each figure means; shown on the page and carried by every export.
DEFINITIONS = (
    _l("Received in a year: received or registered on a date in that year."),
    _l("Closed (afgedaan) in a year: closed on a date in that year."),
    _l("Acknowledged in time: acknowledged on or before the acknowledgement deadline; "
       "cases not yet acknowledged whose deadline is still ahead are left out."),
    _l("Feedback in time: the feedback after the acknowledgement (a message the handler "
       "marked as the feedback, or the decision or closing sent to the reporter with a "
       "text) on or before the feedback deadline; a question to the reporter is not "
       "feedback; cases without feedback whose deadline is still ahead are left out."),
    _l("Days to close: calendar days from receipt to closure; median and 90th "
       "percentile (nearest rank)."),
    _l("Acknowledged in time, feedback in time and days to close count formal reports "
       "only (including advice cases passed on to the integrity coordinator), not advice "
       "cases or the signals a confidential counsellor registers."),
    _l("Hearings held in a year: hearings of a person concerned held on a date in that "
       "year whose minutes the person approved, or who declined."),
    _l("Notices deferred in a year: persons concerned whose informing stands deferred on a "
       "legal ground, deferred on a date in that year; a person informed later is no longer "
       "counted. These tables count events, never who."),
    _l("Small numbers: counts from 1 to the threshold minus 1 are shown as '< threshold'; "
       "cells marked 'x' are hidden so that those numbers can not be worked out from "
       "totals or from another table."),
)


def definitions() -> list[str]:
    return [str(text) for text in DEFINITIONS]


def label(code: str) -> str:
    if code in CODES:
        return str(CODES[code])
    for table in VOCABULARY_TABLES:
        if code in table:
            return str(table[code])  # type: ignore[index]
    if "/" in code:
        category, sub = code.split("/", 1)
        return f"{label_for(category)}: {label_for(sub)}"
    return label_for(code)


def title(key: str) -> str:
    return str(TABLE_TITLES.get(key, key))


# Words of the exports besides the tables' own labels.
WORDS = {
    "year": _l("Year"),
    "unit": _l("Unit"),
    "all_units": _l("All units"),
    "threshold": _l("Threshold for small numbers"),
    "generated_at": _l("Generated"),
    "method": _l("Method"),
    "definitions": _l("Definitions"),
    "category": _l("Category"),
    "timeliness": _l("Timeliness"),
    "percent": _l("Percentage"),
    "base": _l("Number of cases"),
    "median_days_to_close": _l("Days from receipt to closure: median"),
    "p90_days_to_close": _l("Days from receipt to closure: 90th percentile"),
}
METHOD = _l("Cells with a count from 1 to the threshold minus 1 are shown as '< threshold' "
            "(primary suppression); cells marked 'x' are hidden so that no hidden cell can be "
            "worked out from the totals or from another table of this export (secondary "
            "suppression).")


def heading(year: int) -> str:
    return _("Annual figures %(year)s", year=year)


def word(key: str) -> str:
    return str(WORDS[key])


def method() -> str:
    return str(METHOD)


def language() -> str:
    """The language the figures are written in ("nl", "en")."""
    locale = get_locale()
    return locale.language if locale is not None else "nl"


# --- numbers as the user's language writes them -------------------------------


def percent(value: float | None) -> str:
    """A share in percent (53.3 -> "53,3%" in Dutch, "53.3%" in English)."""
    if value is None:
        return "x"
    return format_percent(value / 100, format="#,##0.0%")


def decimal(value: float | None) -> str:
    """Days and other measures: at most one decimal (200 -> "200", 12.5 -> "12,5")."""
    if value is None:
        return "x"
    return format_decimal(round(value, 1), format="#,##0.#")


def cell(table: ProtectedTable, i: int, j: int) -> str:
    """A published cell for reading: the count with the language's digit
    grouping, or its marker ("< 5", "x")."""
    value = table.published(i, j)
    return table.display(i, j) if value is None else format_decimal(value, format="#,##0")

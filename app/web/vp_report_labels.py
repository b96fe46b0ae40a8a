"""What the VP annual report's tables, codes and figures are called, in the
user's language (the codes the annual figures share are labelled by
app/web/stats_labels.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.stats.vp_report import NOT_RECORDED, UNATTRIBUTED
from app.vocabulary import CounsellorKind
from app.web.labels import COUNSELLOR_KIND_LABELS, REFERRAL_LABELS
from app.web.stats_labels import DEFINITIONS
from app.web.stats_labels import label as stats_label

TITLES = {
    "vp_by_unit": _l("Signals and cases, by unit and what came of them"),
    "vp_by_category": _l("Signals and cases, by kind and what came of them"),
    "vp_by_contact": _l("Signals registered and cases, by what came of them"),
    "vp_referred_to": _l("Referred: to whom"),
    "vp_by_unit_kind": _l("Signals and cases, by unit and kind of confidential counsellor"),
}
CODES: dict[str, LazyString] = {
    "signal": _l("Signal registered"),
    "advice_case": _l("Case (advice or passed on)"),
    UNATTRIBUTED: _l("Not attributed"),
    NOT_RECORDED: _l("Not recorded"),
}
VP_DEFINITIONS = (
    _l("Counted: the signals a confidential counsellor registered and the cases that reached "
       "a confidential counsellor (advice cases, and cases passed on to the integrity "
       "coordinator with the reporter's consent), received or heard in the year. No case is "
       "opened for these figures: they come from the case metadata and from the anonymous "
       "tallies kept when cases are deleted."),
    _l("A case counts for the confidential counsellor who handles it: the one it was sent to, "
       "who registered it, or who gave advice, referred or passed it on. Cases from before "
       "this was recorded count as 'not attributed' in the integrated report."),
    _l("Internal confidential counsellors belong to a unit of the ministry, external ones to "
       "the pool of external confidential counsellors, central ones serve every unit."),
    _l("Passed to the integrity coordinator: with the reporter's consent; from then on it is "
       "a formal report. Otherwise closed: withdrawn or closed without advice or referral. "
       "Still open: not closed yet."),
    _l("Timeliness figures (acknowledgement within 7 days, feedback within 3 months) count "
       "formal reports only: they are in the annual figures, not here."),
)


def definitions() -> list[str]:
    """The VP report's own definitions, then those of the annual figures
    that hold for it too (small numbers)."""
    return [str(text) for text in VP_DEFINITIONS] + [str(DEFINITIONS[-1])]


def label(code: str) -> str:
    if code in CODES:
        return str(CODES[code])
    if code in tuple(CounsellorKind):
        return str(COUNSELLOR_KIND_LABELS[CounsellorKind(code)])
    if code in REFERRAL_LABELS:
        return str(REFERRAL_LABELS[code])  # type: ignore[index]
    return stats_label(code)


# Tables whose rows are units, already named.
UNIT_TABLES = ("vp_by_unit", "vp_by_unit_kind")


def row_label(table: str, code: str) -> str:
    return code if table in UNIT_TABLES else label(code)


def title(key: str) -> str:
    return str(TITLES.get(key, key))


def kind_label(kind: CounsellorKind | None) -> str:
    return str(COUNSELLOR_KIND_LABELS[kind]) if kind else str(CODES[UNATTRIBUTED])

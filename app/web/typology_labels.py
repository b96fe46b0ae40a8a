"""What the codes of the typology (app/cases/typology.py) are called and how
they are explained, in the user's language, and the form choices built from
them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.cases.typology import (
    CATEGORIES,
    DISCRIMINATION,
    DISCRIMINATION_GROUNDS,
    UNKNOWN,
    UNWANTED_BEHAVIOUR,
    subtypes,
)

# Category and subtype codes: their names in the Rijk typology, as staff,
# the statistics and the annual report use them.
KIND_TEXTS: dict[str, LazyString] = {
    "financiele_schendingen": _l("Financial violations"),
    "misbruik_positie": _l("Abuse of position, powers and conflicts of interest"),
    "lekken_misbruik_informatie": _l("Leaking and misuse of information"),
    "misbruik_geweldsbevoegdheid": _l("Misuse of the power to use force"),
    UNWANTED_BEHAVIOUR: _l("Unwanted behaviour"),
    "pesten": _l("Bullying"),
    "seksuele_intimidatie": _l("Sexual harassment"),
    "agressie_geweld": _l("Aggression and violence"),
    DISCRIMINATION: _l("Discrimination and racism"),
    "overig": _l("Other unwanted behaviour"),
    "misdragingen_prive": _l("Misconduct in private life"),
    "oneigenlijk_gebruik_dienstmiddelen": _l(
        "Improper use of official resources / breaking internal rules"),
    "misstand_klokkenluidersregeling": _l("Wrongdoing under the whistleblower rules"),
}
# The same codes as the reporter reads them (plain language, B1): a name
# and one line "for example ...".
REPORTER_TEXTS: dict[str, tuple[LazyString, LazyString]] = {
    "financiele_schendingen": (
        _l("Money or goods: fraud, theft or bribery"),
        _l("For example: false expense claims, or taking money from a supplier.")),
    "misbruik_positie": (
        _l("Misusing a position, or mixing interests"),
        _l("For example: giving a job or an order to a friend.")),
    "lekken_misbruik_informatie": (
        _l("Leaking or misusing information"),
        _l("For example: passing secret documents to outsiders.")),
    "misbruik_geweldsbevoegdheid": (
        _l("Using more force than allowed"),
        _l("For example: a guard hits someone who has already given up.")),
    UNWANTED_BEHAVIOUR: (
        _l("Unwanted behaviour"),
        _l("For example: bullying, harassment or discrimination. One more question "
           "follows.")),
    "pesten": (
        _l("Bullying"),
        _l("For example: being left out or laughed at, again and again.")),
    "seksuele_intimidatie": (
        _l("Sexual harassment"),
        _l("For example: remarks about your body, or touching you do not want.")),
    "agressie_geweld": (
        _l("Aggression and violence"),
        _l("For example: someone shouts at you, threatens you or pushes you.")),
    DISCRIMINATION: (
        _l("Discrimination and racism"),
        _l("For example: being treated worse because of origin, religion or sex.")),
    "overig": (
        _l("Other unwanted behaviour"),
        _l("For example: someone crosses your boundaries in another way.")),
    "misdragingen_prive": (
        _l("Misconduct outside work"),
        _l("For example: a colleague commits a crime in their free time.")),
    "oneigenlijk_gebruik_dienstmiddelen": (
        _l("Misusing the employer's things or money, or breaking internal rules"),
        _l("For example: using the work car or laptop for private business.")),
    "misstand_klokkenluidersregeling": (
        _l("A wrongdoing that harms society"),
        _l("For example: a danger to public health or safety.")),
}
GROUND_LABELS: dict[str, LazyString] = {
    "godsdienst": _l("Religion"),
    "levensovertuiging": _l("Belief"),
    "politieke_gezindheid": _l("Political opinion"),
    "ras": _l("Race or origin"),
    "geslacht": _l("Sex or gender"),
    "handicap": _l("Disability"),
    "seksuele_gerichtheid": _l("Sexual orientation"),
    "andere_grond": _l("Another ground"),
}
UNKNOWN_LABEL = _l("I do not know")
UNKNOWN_EXAMPLE = _l("For example: you are not sure. The handler chooses with you.")


def kind_label(code: str) -> LazyString:
    return KIND_TEXTS[code]


def category_choices() -> list[tuple[str, LazyString]]:
    return ([(kind.code, kind_label(kind.code)) for kind in CATEGORIES]
            + [(UNKNOWN, UNKNOWN_LABEL)])


def reporter_category_choices() -> list[tuple[str, LazyString]]:
    return ([(kind.code, REPORTER_TEXTS[kind.code][0]) for kind in CATEGORIES]
            + [(UNKNOWN, UNKNOWN_LABEL)])


def reporter_subtype_choices() -> list[tuple[str, LazyString]]:
    return [(kind.code, REPORTER_TEXTS[kind.code][0])
            for kind in subtypes(UNWANTED_BEHAVIOUR)]


def ground_choices() -> list[tuple[str, LazyString]]:
    return ([("", _l("Not known or not applicable"))]
            + [(ground, GROUND_LABELS[ground]) for ground in DISCRIMINATION_GROUNDS])


def label_for(code: str | None) -> str:
    """A category, subtype or ground code in the user's language (the
    typology's own names: staff pages and statistics)."""
    if code in KIND_TEXTS:
        return str(KIND_TEXTS[code])
    if code in GROUND_LABELS:
        return str(GROUND_LABELS[code])
    if code == UNKNOWN:
        return str(UNKNOWN_LABEL)
    return code or "–"


def reporter_label_for(code: str | None) -> str:
    """The same, as the reporter reads it (the form's plain names)."""
    if code in REPORTER_TEXTS:
        return str(REPORTER_TEXTS[code][0])
    return label_for(code)


def example_for(code: str | None) -> str:
    """The form's line "For example ..." under a category or subtype."""
    if code in REPORTER_TEXTS:
        return str(REPORTER_TEXTS[code][1])
    if code == UNKNOWN:
        return str(UNKNOWN_EXAMPLE)
    return ""

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

# Category and subtype codes: (label, explanation).
KIND_TEXTS: dict[str, tuple[LazyString, LazyString]] = {
    "financiele_schendingen": (
        _l("Financial violations"),
        _l("Fraud, theft, embezzlement, bribery or accepting improper gifts or payments.")),
    "misbruik_positie": (
        _l("Abuse of position, powers and conflicts of interest"),
        _l("Using your position or powers for yourself or others, or mixing private and "
           "official interests.")),
    "lekken_misbruik_informatie": (
        _l("Leaking and misuse of information"),
        _l("Passing on confidential information, or using it for purposes it is not meant "
           "for.")),
    "misbruik_geweldsbevoegdheid": (
        _l("Misuse of the power to use force"),
        _l("Using force beyond what is allowed, by staff who have that power.")),
    UNWANTED_BEHAVIOUR: (
        _l("Unwanted behaviour"),
        _l("Bullying, sexual harassment, aggression and violence, discrimination and racism.")),
    "pesten": (
        _l("Bullying"),
        _l("Repeatedly hurting, excluding or belittling someone.")),
    "seksuele_intimidatie": (
        _l("Sexual harassment"),
        _l("Unwanted sexual remarks, gestures, advances or touching.")),
    "agressie_geweld": (
        _l("Aggression and violence"),
        _l("Threatening, shouting, intimidating or physically attacking someone.")),
    DISCRIMINATION: (
        _l("Discrimination and racism"),
        _l("Treating someone worse because of who they are, for example their "
           "origin, religion, sex, sexual orientation or disability.")),
    "overig": (
        _l("Other unwanted behaviour"),
        _l("Other behaviour that crosses a line.")),
    "misdragingen_prive": (
        _l("Misconduct in private life"),
        _l("Behaviour outside work that harms the trust in the organisation, for example a "
           "criminal offence.")),
    "oneigenlijk_gebruik_dienstmiddelen": (
        _l("Improper use of official resources / breaking internal rules"),
        _l("Using equipment, money or time of the employer for private ends, or not "
           "following internal rules.")),
    "misstand_klokkenluidersregeling": (
        _l("Wrongdoing under the whistleblower rules"),
        _l("A wrongdoing that affects the public interest, such as a danger to public health "
           "or safety, or a breach of law.")),
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
UNKNOWN_EXPLANATION = _l("The handler will choose a category with you.")


def kind_label(code: str) -> LazyString:
    return KIND_TEXTS[code][0]


def category_choices() -> list[tuple[str, LazyString]]:
    return ([(kind.code, kind_label(kind.code)) for kind in CATEGORIES]
            + [(UNKNOWN, UNKNOWN_LABEL)])


def subtype_choices() -> list[tuple[str, LazyString]]:
    return [(kind.code, kind_label(kind.code)) for kind in subtypes(UNWANTED_BEHAVIOUR)]


def ground_choices() -> list[tuple[str, LazyString]]:
    return ([("", _l("Not known or not applicable"))]
            + [(ground, GROUND_LABELS[ground]) for ground in DISCRIMINATION_GROUNDS])


def label_for(code: str | None) -> str:
    """A category, subtype or ground code in the user's language."""
    if code in KIND_TEXTS:
        return str(KIND_TEXTS[code][0])
    if code in GROUND_LABELS:
        return str(GROUND_LABELS[code])
    if code == UNKNOWN:
        return str(UNKNOWN_LABEL)
    return code or "–"


def explanation_for(code: str | None) -> str:
    if code in KIND_TEXTS:
        return str(KIND_TEXTS[code][1])
    if code == UNKNOWN:
        return str(UNKNOWN_EXPLANATION)
    return ""

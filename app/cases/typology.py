"""The Rijk typology of integrity violations, as versioned data.

Statistics group by these codes; when the typology changes, a new version is
added next to this one so that earlier years stay comparable. The version id
is stored on every case (`Case.typology_version`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

TYPOLOGY_VERSION = "rijk-2024"
UNWANTED_BEHAVIOUR = "ongewenste_omgangsvormen"
DISCRIMINATION = "discriminatie_racisme"
UNKNOWN = "weet_ik_niet"


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy string
    explanation: object
    subtypes: tuple[Kind, ...] = field(default_factory=tuple)


CATEGORIES: tuple[Kind, ...] = (
    Kind("financiele_schendingen", _l("Financial violations"),
         _l("Fraud, theft, embezzlement, bribery or accepting improper gifts or payments.")),
    Kind("misbruik_positie", _l("Abuse of position, powers and conflicts of interest"),
         _l("Using your position or powers for yourself or others, or mixing private and "
            "official interests.")),
    Kind("lekken_misbruik_informatie", _l("Leaking and misuse of information"),
         _l("Passing on confidential information, or using it for purposes it is not meant "
            "for.")),
    Kind("misbruik_geweldsbevoegdheid", _l("Misuse of the power to use force"),
         _l("Using force beyond what is allowed, by staff who have that power.")),
    Kind(UNWANTED_BEHAVIOUR, _l("Unwanted behaviour"),
         _l("Bullying, sexual harassment, aggression and violence, discrimination and racism."),
         subtypes=(
             Kind("pesten", _l("Bullying"),
                  _l("Repeatedly hurting, excluding or belittling someone.")),
             Kind("seksuele_intimidatie", _l("Sexual harassment"),
                  _l("Unwanted sexual remarks, gestures, advances or touching.")),
             Kind("agressie_geweld", _l("Aggression and violence"),
                  _l("Threatening, shouting, intimidating or physically attacking someone.")),
             Kind(DISCRIMINATION, _l("Discrimination and racism"),
                  _l("Treating someone worse because of who they are, for example their "
                     "origin, religion, sex, sexual orientation or disability.")),
             Kind("overig", _l("Other unwanted behaviour"),
                  _l("Other behaviour that crosses a line.")),
         )),
    Kind("misdragingen_prive", _l("Misconduct in private life"),
         _l("Behaviour outside work that harms the trust in the organisation, for example a "
            "criminal offence.")),
    Kind("oneigenlijk_gebruik_dienstmiddelen",
         _l("Improper use of official resources / breaking internal rules"),
         _l("Using equipment, money or time of the employer for private ends, or not "
            "following internal rules.")),
    Kind("misstand_klokkenluidersregeling", _l("Wrongdoing under the whistleblower rules"),
         _l("A wrongdoing that affects the public interest, such as a danger to public health "
            "or safety, or a breach of law.")),
)

# The grounds of Article 1 of the Dutch Constitution.
DISCRIMINATION_GROUNDS: tuple[tuple[str, object], ...] = (
    ("godsdienst", _l("Religion")),
    ("levensovertuiging", _l("Belief")),
    ("politieke_gezindheid", _l("Political opinion")),
    ("ras", _l("Race or origin")),
    ("geslacht", _l("Sex or gender")),
    ("handicap", _l("Disability")),
    ("seksuele_gerichtheid", _l("Sexual orientation")),
    ("andere_grond", _l("Another ground")),
)

_BY_CODE = {kind.code: kind for kind in CATEGORIES}


def category(code: str | None) -> Kind | None:
    return _BY_CODE.get(code or "")


def subtypes(code: str | None) -> tuple[Kind, ...]:
    kind = category(code)
    return kind.subtypes if kind else ()


def category_choices() -> list[tuple[str, object]]:
    return [(kind.code, kind.label) for kind in CATEGORIES] + [(UNKNOWN, _l("I do not know"))]


def subtype_choices() -> list[tuple[str, object]]:
    return [(kind.code, kind.label) for kind in subtypes(UNWANTED_BEHAVIOUR)]


def ground_choices() -> list[tuple[str, object]]:
    return [("", _l("Not known or not applicable"))] + list(DISCRIMINATION_GROUNDS)


def label_for(code: str | None) -> str:
    """A category, subtype or ground code in the user's language."""
    for kind in CATEGORIES:
        if kind.code == code:
            return str(kind.label)
        for sub in kind.subtypes:
            if sub.code == code:
                return str(sub.label)
    for ground, label in DISCRIMINATION_GROUNDS:
        if ground == code:
            return str(label)
    if code == UNKNOWN:
        return str(_l("I do not know"))
    return code or "–"


def explanation_for(code: str | None) -> str:
    for kind in CATEGORIES:
        if kind.code == code:
            return str(kind.explanation)
        for sub in kind.subtypes:
            if sub.code == code:
                return str(sub.explanation)
    if code == UNKNOWN:
        return str(_l("The handler will choose a category with you."))
    return ""

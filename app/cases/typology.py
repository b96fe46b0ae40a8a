"""The Rijk typology of integrity violations, as versioned data.

Statistics group by these codes; when the typology changes, a new version is
added next to this one so that earlier years stay comparable. The version id
is stored on every case (`Case.typology_version`). What each code is called
and explained as on a page lives in the web layer (app/web/typology_labels.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPOLOGY_VERSION = "rijk-2024"
UNWANTED_BEHAVIOUR = "ongewenste_omgangsvormen"
DISCRIMINATION = "discriminatie_racisme"
UNKNOWN = "weet_ik_niet"


@dataclass(frozen=True)
class Kind:
    code: str
    subtypes: tuple[Kind, ...] = field(default_factory=tuple)


CATEGORIES: tuple[Kind, ...] = (
    Kind("financiele_schendingen"),
    Kind("misbruik_positie"),
    Kind("lekken_misbruik_informatie"),
    Kind("misbruik_geweldsbevoegdheid"),
    Kind(UNWANTED_BEHAVIOUR, subtypes=(
        Kind("pesten"),
        Kind("seksuele_intimidatie"),
        Kind("agressie_geweld"),
        Kind(DISCRIMINATION),
        Kind("overig"),
    )),
    Kind("misdragingen_prive"),
    Kind("oneigenlijk_gebruik_dienstmiddelen"),
    Kind("misstand_klokkenluidersregeling"),
)

# The grounds of Article 1 of the Dutch Constitution.
DISCRIMINATION_GROUNDS: tuple[str, ...] = (
    "godsdienst",
    "levensovertuiging",
    "politieke_gezindheid",
    "ras",
    "geslacht",
    "handicap",
    "seksuele_gerichtheid",
    "andere_grond",
)

_BY_CODE = {kind.code: kind for kind in CATEGORIES}


def category(code: str | None) -> Kind | None:
    return _BY_CODE.get(code or "")


def subtypes(code: str | None) -> tuple[Kind, ...]:
    kind = category(code)
    return kind.subtypes if kind else ()

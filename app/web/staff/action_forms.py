"""The case page's action forms, built from the workflow table: each
transition's declared fields with their label, hint and options in the
user's language. The table names an option source; this module fills it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.cases import conflicts
from app.cases.content import AttachmentView
from app.cases.persons import PersonView
from app.cases.workflow import FieldKind, FormField, Transition, has_consent
from app.models import Case
from app.vocabulary import CloseReason, Measure, Outcome, ReferralTarget, Role, Track
from app.web import labels
from app.web.report_view import PREFERRED_COUNSELLOR_ID
from app.web.security import runtime
from app.web.staff import choices

Options = list[tuple[Any, Any]]

# How the options of an enum are called on a page.
ENUM_LABELS: dict[type[StrEnum], Callable[[Any], Any]] = {
    Track: labels.track_label,
    ReferralTarget: labels.referral_label,
    CloseReason: labels.close_reason_label,
    Outcome: labels.outcome_label,
    Measure: labels.measure_label,
}


def standard_acknowledgement(locale: str = "nl") -> str:
    """The editable default text, in the reporter's default language."""
    with force_locale(locale):
        return str(_l(
        "Thank you for your report. We have received it and will handle it confidentially. "
        "You will hear from us within three months about what is being done with it. "
        "Check this mailbox regularly: we may ask you questions here."
    ))


def with_defaults(action: str, params: dict[str, Any], locale: str) -> dict[str, Any]:
    """The parameters as given, with the texts the web and the CLI fill in
    when left empty (the domain holds no translated text): the standard
    acknowledgement."""
    if action == "acknowledge" and not str(params.get("text") or "").strip():
        return {**params, "text": standard_acknowledgement(locale)}
    return params


@dataclass(frozen=True)
class FieldView:
    name: str
    kind: FieldKind
    label: Any
    options: Options
    # The HTML `required` attribute.
    required: bool
    hint: Any = None
    # The text of the first, empty option of an optional select.
    empty: Any = None
    value: str = ""
    all_chosen: bool = False


@dataclass(frozen=True)
class ActionForm:
    action: str
    label: Any
    fields: list[FieldView]
    # Texts shown as a hint, and as a warning, with the fields.
    hints: list[Any]
    warning: Any = None
    multipart: bool = False
    # Why the action was not done when it was just tried (the form is open).
    error: Any = None


@dataclass(frozen=True)
class Refill:
    """An action that was tried and not done (a refused file): its form is
    shown open again with the text typed in it and the reason."""

    action: str
    values: dict[str, str]
    error: str


@dataclass
class _Sources:
    """The named option providers of the table, computed once when asked for."""

    session: Session
    case: Case
    report: dict[str, Any]
    attachments: list[AttachmentView]
    persons: list[PersonView]

    def options(self, source: tuple[StrEnum, ...] | str) -> Options:
        if not isinstance(source, str):
            return [(option, ENUM_LABELS[type(option)](option)) for option in source]
        if source == "vps":
            return [(u.id, choices.person_choice(u))
                    for u in choices.people_with_role(self.session, runtime(), Role.VP)
                    if not conflicts.is_restricted(self.session, self.case, u)]
        if source == "units":
            return list(choices.unit_choices(self.session))
        if source == "categories":
            return list(choices.category_choices())
        if source == "subcategories":
            return list(choices.subcategory_choices())
        if source == "bureaus":
            return list(choices.bureau_choices(self.session))
        if source == "report_fields":
            # The chosen counsellor's id travels with their name, never alone.
            return [(key, labels.report_field_label(key)) for key in self.report
                    if key != PREFERRED_COUNSELLOR_ID]
        if source == "attachments":
            return [(a.id, a.name) for a in self.attachments]
        if source == "persons":
            return [(p.id, f"{p.name} ({labels.person_role_label(p.role)})")
                    for p in self.persons]
        raise KeyError(source)


def _default_value(action: str, name: str, locale: str) -> str:
    if (action, name) == ("acknowledge", "text"):
        return standard_acknowledgement(locale)
    return ""


def _field_view(transition: Transition, field: FormField, sources: _Sources,
                locale: str) -> FieldView:
    action, name = transition.action, field.name
    options = sources.options(field.options) if field.options else []
    return FieldView(
        name=name, kind=field.kind, label=labels.for_field(labels.FIELD_LABELS, action, name),
        options=options, required=field.required or field.form_required,
        hint=labels.for_field(labels.FIELD_HINTS, action, name),
        empty=labels.for_field(labels.FIELD_EMPTY_OPTIONS, action, name),
        value=_default_value(action, name, locale), all_chosen=field.all_chosen,
    )


def action_forms(session: Session, case: Case, actions: list[Transition], report: dict[str, Any],
                 attachments: list[AttachmentView], locale: str,
                 refill: Refill | None = None,
                 persons: list[PersonView] | None = None) -> list[ActionForm]:
    """One form per available transition, its fields as the table declares them."""
    sources = _Sources(session, case, report, attachments, persons or [])
    consent = has_consent(case)
    forms = []
    for transition in actions:
        fields: list[FieldView] = []
        hints: list[Any] = []
        for field in transition.fields:
            if field.needs_consent and not consent:
                hints.append(labels.FIELD_WITHOUT_CONSENT[field.name])
                continue
            view = _field_view(transition, field, sources, locale)
            if refill is not None and refill.action == transition.action and field.kind in (
                    FieldKind.TEXT, FieldKind.TEXTAREA, FieldKind.DATE) and (
                    field.name in refill.values):
                view = replace(view, value=refill.values[field.name])
            if field.options and not view.options and not view.required:
                continue  # an optional choice with nothing to choose from
            fields.append(view)
        hint = labels.ACTION_HINTS.get(transition.action)
        forms.append(ActionForm(
            action=transition.action, label=labels.ACTION_LABELS[transition.action],
            fields=fields, hints=[hint, *hints] if hint is not None else hints,
            warning=(labels.ACTION_WITHOUT_CONSENT.get(transition.action)
                     if "consent" in transition.requires and not consent else None),
            multipart=any(f.kind is FieldKind.FILE for f in transition.fields),
            error=refill.error if refill is not None and refill.action == transition.action
            else None,
        ))
    return forms

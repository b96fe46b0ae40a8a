"""Forms of the persons-concerned page. Several are on one page, one per
person or hearing: each is made with a prefix, so names and ids differ."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.vocabulary import (
    NoticeMeans,
    PersonRole,
    RestrictionGround,
    SubjectRequestDecision,
    SubjectRequestKind,
)
from app.web.forms import Form
from app.web.labels import (
    NOTICE_MEANS_LABELS,
    PERSON_ROLE_LABELS,
    REQUEST_DECISION_LABELS,
    REQUEST_KIND_LABELS,
    RESTRICTION_GROUND_LABELS,
)

LINE = 200
NOTE = 5000
TEXT = 20000
CHOOSE = _l("Choose one.")
# These selects start with a real choice, so they always send one: no HTML
# `required`, which asks for an empty first option.
STARTS_WITH_A_CHOICE = {"required": False}
DATE = _l("Give a date (day, month, year).")


def _choices(labels: dict) -> list[tuple[str, object]]:
    return [(code.value, label) for code, label in labels.items()]


class PersonForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l(
        "Fill in the name of the person concerned.")), Length(max=LINE)])
    function = StringField(_l("Function (optional)"), validators=[Optional(), Length(max=LINE)])
    unit = StringField(_l("Unit or department (optional)"),
                       validators=[Optional(), Length(max=LINE)])
    role = SelectField(_l("Role in the case"), choices=_choices(PERSON_ROLE_LABELS),
                       default=PersonRole.ACCUSED.value,
                       validators=[InputRequired(message=CHOOSE)], render_kw=STARTS_WITH_A_CHOICE)


class InformedForm(Form):
    on = DateField(_l("Informed on"), validators=[InputRequired(message=DATE)])
    means = SelectField(_l("How"), choices=_choices(NOTICE_MEANS_LABELS),
                        default=NoticeMeans.LETTER.value,
                        validators=[InputRequired(message=CHOOSE)], render_kw=STARTS_WITH_A_CHOICE)
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE)])


class DeferForm(Form):
    ground = SelectField(_l("Legal ground"), choices=_choices(RESTRICTION_GROUND_LABELS),
                         default=RestrictionGround.INQUIRY.value,
                         validators=[InputRequired(message=CHOOSE)], render_kw=STARTS_WITH_A_CHOICE)
    review_on = DateField(_l("Review on"), validators=[InputRequired(message=DATE)])
    note = TextAreaField(_l("Why (optional; never shown to the person)"),
                         validators=[Optional(), Length(max=NOTE)])


class HearingRevisionForm(Form):
    present = StringField(_l("Who was present (optional)"),
                          validators=[Optional(), Length(max=500)])
    body = TextAreaField(_l("Minutes of the hearing"),
                         validators=[DataRequired(), Length(max=TEXT)])


class HearingCommentsForm(Form):
    comments = TextAreaField(_l("Comments of the person heard"),
                             validators=[DataRequired(), Length(max=TEXT)])


class RequestForm(Form):
    kind = SelectField(_l("What is asked"), choices=_choices(REQUEST_KIND_LABELS),
                       default=SubjectRequestKind.ACCESS.value,
                       validators=[InputRequired(message=CHOOSE)], render_kw=STARTS_WITH_A_CHOICE)
    received_on = DateField(_l("Received on"), validators=[InputRequired(message=DATE)])
    # Filled with the case's persons concerned on the page.
    person_id = SelectField(_l("Who asked"), choices=[], validate_choice=False, default="")
    requester = StringField(_l("Name of who asked, if not a person concerned"),
                            validators=[Optional(), Length(max=LINE)])
    contact = StringField(_l("How to reach them (optional)"),
                          validators=[Optional(), Length(max=LINE)])
    details = TextAreaField(_l("The request (optional)"), validators=[Optional(),
                                                                     Length(max=NOTE)])


class DecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=_choices(REQUEST_DECISION_LABELS),
                           validators=[InputRequired(message=CHOOSE)],
                           render_kw=STARTS_WITH_A_CHOICE)
    ground = SelectField(_l("Legal ground (for a refusal or a partial grant)"),
                         choices=[("", _l("None"))] + _choices(RESTRICTION_GROUND_LABELS),
                         default="", validators=[Optional()])


# Every prefix the page uses, one per form and row.
def person_prefix(person_id: int | None) -> str:
    return f"person{person_id}" if person_id else "newperson"


def informed_prefix(person_id: int) -> str:
    return f"informed{person_id}"


def defer_prefix(person_id: int) -> str:
    return f"defer{person_id}"


def revision_prefix(hearing_id: int) -> str:
    return f"hearing{hearing_id}"


def comments_prefix(hearing_id: int) -> str:
    return f"comments{hearing_id}"


def decision_prefix(request_id: int) -> str:
    return f"decide{request_id}"


REQUEST_PREFIX = "request"
ALL_DECISIONS = tuple(SubjectRequestDecision)

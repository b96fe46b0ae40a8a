"""Reporter forms: the report, the mailbox sign-in and the mailbox actions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from app.accounts import trust
from app.cases import typology
from app.cases.persons import MAX_REPORTED, PersonDetails
from app.models import Unit, User, UserRole
from app.vocabulary import PersonRole, Role, UnitKind
from app.web import typology_labels
from app.web.forms import Form
from app.web.security import runtime

TRACK_CHOICES = [
    ("advice", _l("Talk in confidence to a confidential counsellor (advice and support)")),
    ("report", _l("Make a formal report to the integrity coordinator (it will be looked into)")),
]
# One line under each route on the form: when it fits.
TRACK_EXAMPLES = {
    "advice": _l("For example: you first want to tell your story and get advice."),
    "report": _l("For example: you want something to be done about it."),
}
IDENTITY_CHOICES = [
    ("anonymous", _l("Anonymous: nobody learns who I am")),
    ("confidential", _l("Confidential: only the people handling my report know my name")),
    ("open", _l("Open: my name may be known to those involved")),
]
REPORT_TEXT_FIELDS = ("what", "when", "where", "involved", "witnesses", "reported_elsewhere")
IDENTITY_FIELDS = ("name", "email", "phone", "contact")
REQUIRED = _l("Please fill this in.")
CHOOSE = _l("Please choose one.")
# Plain shape check; no third-party validator needed for a contact address.
NOT_EMAIL = _l("Write your e-mail address in full, for example name@example.nl.")
TOO_LONG = _l("This is too long: use at most %(max)d characters.")
# The report form's error lines: each a sentence that names what to do, so
# that the summary at the top reads well without the question before it.
CHOOSE_TRACK = _l("Choose whether you want to talk in confidence or make a formal report.")
CHOOSE_UNIT = _l("Choose which part of the organisation it is about.")
CHOOSE_CATEGORY = _l("Choose what it is about. Not sure? Then choose “I do not know”.")
CHOOSE_SUBCATEGORY = _l("Choose what kind of unwanted behaviour it is.")
WRITE_WHAT = _l("Write down what happened.")
CHOOSE_IDENTITY = _l("Choose who may know that you made this report.")
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


SHORT_ANSWER = {"rows": 3, "class": "short"}

# The people a reporter may name (app/cases/persons.py): rows shown at first;
# "add another person" reloads the form with one more, up to MAX_REPORTED.
PERSON_ROWS = 2
PERSON_ROLE_CHOICES = [
    ("", _l("Choose…")),
    (PersonRole.ACCUSED.value, _l("The report is about this person")),
    (PersonRole.WITNESS.value, _l("Saw or heard it (witness)")),
    (PersonRole.OTHER.value, _l("Involved in another way")),
]
PERSON_NAME_MISSING = _l("Person %(n)d: fill in the name, or leave this person's boxes empty.")
PERSON_ROLE_MISSING = _l("Person %(n)d: choose what this person has to do with it.")
PERSON_TOO_LONG = _l("Person %(n)d: this is too long, use at most %(max)d characters.")
PERSON_LINE = 200


class PersonRowForm(SubForm):
    """One person the reporter names: every box optional, checked together
    by ReportForm.validate (a row is either empty or has a name and a role)."""

    name = StringField(_l("Name"), validators=[Optional()],
                       render_kw={"autocomplete": "off"})
    function = StringField(_l("Function (if you know it)"), validators=[Optional()],
                           render_kw={"autocomplete": "off"})
    unit = StringField(_l("Department or team (if you know it)"), validators=[Optional()],
                       render_kw={"autocomplete": "off"})
    role = SelectField(_l("What does this person have to do with it?"),
                       choices=PERSON_ROLE_CHOICES, validators=[Optional()],
                       render_kw={"required": False})

    def text(self, name: str) -> str:
        return " ".join((getattr(self, name).data or "").split())

    def is_empty(self) -> bool:
        return not any(self.text(f) for f in ("name", "function", "unit", "role"))


def unit_id(value: str | int | None) -> int:
    """A unit's id from the form; the empty placeholder option is 0."""
    if value is None or value == "":
        return 0
    return int(value)


class ReportForm(Form):
    track = RadioField(_l("What would you like?"), choices=TRACK_CHOICES,
                       validators=[InputRequired(message=CHOOSE_TRACK)])
    unit = SelectField(_l("Which part of the organisation is it about?"), coerce=unit_id,
                       validators=[InputRequired(message=CHOOSE_UNIT)])
    category = RadioField(_l("What is it about?"),
                          validators=[InputRequired(message=CHOOSE_CATEGORY)])
    subcategory = RadioField(_l("What kind of unwanted behaviour?"), validators=[Optional()])
    ground = SelectField(_l("Discrimination because of what?"), validators=[Optional()])
    what = TextAreaField(_l("What happened?"),
                         validators=[DataRequired(message=WRITE_WHAT),
                                     Length(max=20000, message=TOO_LONG)])
    when = StringField(_l("When did it happen?"),
                       validators=[Optional(), Length(max=300, message=TOO_LONG)])
    where = StringField(_l("Where did it happen?"),
                        validators=[Optional(), Length(max=300, message=TOO_LONG)])
    # Optional answers are often short: smaller boxes (meldpunt.css, "short").
    involved = TextAreaField(_l("Who was involved?"),
                             validators=[Optional(), Length(max=5000, message=TOO_LONG)],
                             render_kw=SHORT_ANSWER)
    witnesses = TextAreaField(_l("Were there witnesses?"),
                              validators=[Optional(), Length(max=5000, message=TOO_LONG)],
                              render_kw=SHORT_ANSWER)
    reported_elsewhere = TextAreaField(_l("Have you reported this elsewhere?"),
                                       validators=[Optional(),
                                                   Length(max=2000, message=TOO_LONG)],
                                       render_kw=SHORT_ANSWER)
    identity = RadioField(_l("Who may know that you made this report?"),
                          choices=IDENTITY_CHOICES,
                          validators=[InputRequired(message=CHOOSE_IDENTITY)])
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200, message=TOO_LONG)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"),
                       validators=[Optional(), Regexp(EMAIL, message=NOT_EMAIL),
                                   Length(max=254, message=TOO_LONG)],
                       render_kw={"autocomplete": "email"})
    phone = StringField(_l("Telephone"),
                        validators=[Optional(), Length(max=40, message=TOO_LONG)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    contact = StringField(_l("Other way to reach you, or best times"),
                          validators=[Optional(), Length(max=300, message=TOO_LONG)])
    preferred_counsellor = SelectField(_l("A specific confidential counsellor (optional)"),
                                       coerce=int, validators=[Optional()])
    persons = FieldList(FormField(PersonRowForm), min_entries=PERSON_ROWS,
                        max_entries=MAX_REPORTED)
    # This form's send token (app/cases/intake.py): set when the form is
    # first shown, carried through checking and changing, used up by sending.
    send_token = HiddenField()

    def fill_choices(self, session: Session) -> None:
        # What the report is about: one of the ministry's units, never the
        # pool of external counsellors (chosen below, as a counsellor), the
        # home of central ones or an external bureau.
        units = session.scalars(
            select(Unit).where(Unit.active, Unit.kind == UnitKind.UNIT).order_by(Unit.name)
        ).all()
        # The empty first option makes `required` mean something (HTML's
        # placeholder label option); unit_id reads it as 0, "none chosen".
        self.unit.choices = [("", _l("Choose…"))] + [(u.id, u.name) for u in units]
        self.category.choices = typology_labels.reporter_category_choices()
        self.subcategory.choices = typology_labels.reporter_subtype_choices()
        self.ground.choices = typology_labels.ground_choices()
        self.preferred_counsellor.choices = [(0, _l("No preference"))] + [
            (user_id, label) for user_id, label in counsellor_choices(session)]

    def validate(
        self, extra_validators: Mapping[str, Sequence[Callable[..., object]]] | None = None,
    ) -> bool:
        ok: bool = super().validate(extra_validators)
        if not self.unit.data:
            if not self.unit.errors:
                self.unit.errors = [str(CHOOSE_UNIT)]
            ok = False
        if self.category.data == typology.UNWANTED_BEHAVIOUR and not self.subcategory.data:
            self.subcategory.errors = [str(CHOOSE_SUBCATEGORY)]
            ok = False
        if self.identity.data in ("confidential", "open"):
            if not (self.name.data or "").strip():
                self.name.errors = [str(_l("Fill in your name, or choose anonymous."))]
                ok = False
            if not any((getattr(self, f).data or "").strip() for f in ("email", "phone",
                                                                       "contact")):
                self.email.errors = [*self.email.errors, str(_l(
                    "Give at least one way to reach you (e-mail, telephone or other)."))]
                ok = False
        return self._validate_persons() and ok

    def _validate_persons(self) -> bool:
        """Each person's row is empty, or has a name and a role; the errors
        show at the row and, one line per row, in the summary at the top."""
        summary: list[str] = []
        for n, entry in enumerate(self.persons.entries, start=1):
            row: PersonRowForm = entry.form
            for name in ("name", "function", "unit", "role"):
                getattr(row, name).errors = []
            if row.is_empty():
                continue
            long = next((getattr(row, f) for f in ("name", "function", "unit")
                         if len(row.text(f)) > PERSON_LINE), None)
            if long is not None:
                long.errors = [str(PERSON_TOO_LONG % {"n": n, "max": PERSON_LINE})]
            elif not row.text("name"):
                row.name.errors = [str(PERSON_NAME_MISSING % {"n": n})]
            elif row.text("role") not in tuple(PersonRole):
                row.role.errors = [str(PERSON_ROLE_MISSING % {"n": n})]
            else:
                continue
            summary += [e for f in ("name", "function", "unit", "role")
                        for e in getattr(row, f).errors]
        self.persons.errors = summary
        return not summary

    def add_person_row(self) -> None:
        """One more empty person (the "add another person" button)."""
        if len(self.persons.entries) < MAX_REPORTED:
            self.persons.append_entry()

    def named_persons(self) -> list[PersonDetails]:
        """The people named in the rows that are not empty."""
        return [PersonDetails(name=row.text("name"), function=row.text("function"),
                              unit=row.text("unit"), role=PersonRole(row.text("role")))
                for row in (entry.form for entry in self.persons.entries)
                if not row.is_empty()]

    def report_data(self, counsellors: dict[int, str]) -> dict:
        data = {f: (getattr(self, f).data or "").strip() for f in REPORT_TEXT_FIELDS}
        data = {k: v for k, v in data.items() if v}
        if self.category.data == typology.UNWANTED_BEHAVIOUR and \
                self.subcategory.data == typology.DISCRIMINATION and self.ground.data:
            data["ground"] = self.ground.data
        if self.preferred_counsellor.data:
            data["preferred_counsellor"] = counsellors.get(self.preferred_counsellor.data, "")
            data["preferred_counsellor_id"] = self.preferred_counsellor.data
        return data

    def identity_data(self) -> dict | None:
        if self.identity.data == "anonymous":
            return None
        data = {f: (getattr(self, f).data or "").strip() for f in IDENTITY_FIELDS}
        return {k: v for k, v in data.items() if v}


# What kind of counsellor someone is, by the kind of their unit.
COUNSELLOR_KINDS = {UnitKind.EXTERNAL: _l("external"), UnitKind.CENTRAL: _l("central")}


def counsellor_choices(session: Session) -> list[tuple[int, str]]:
    """Confidential counsellors by name, unit and internal/external: only
    those whose key is endorsed (a report can reach no one else)."""
    users = trust.only_endorsed(session, runtime(), session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.VP, User.active)
        .order_by(User.display_name)
    ).unique(), Role.VP)
    choices = []
    for user in users:
        where = COUNSELLOR_KINDS.get(user.unit.kind, _l("internal"))
        choices.append((user.id, f"{user.display_name} – {user.unit.name} ({where})"))
    return choices


# A receipt code field: a text field (never offered to a password manager),
# masked by CSS until the reporter ticks "show the code" (reporting/_code_field.html,
# no JavaScript); nothing remembered, corrected or capitalised wrongly.
CODE_FIELD = {"autocomplete": "off", "autocapitalize": "characters", "autocorrect": "off",
              "spellcheck": "false", "class": "masked-code"}


class SignInForm(Form):
    code = StringField(_l("Your receipt code"),
                       validators=[DataRequired(message=REQUIRED), Length(max=64)],
                       render_kw=CODE_FIELD)
    # A message typed while the mailbox closed by itself: kept in the form
    # and sent once the code is entered (WCAG 2.2.1). Never stored before.
    pending_message = TextAreaField(_l("Your message (not sent yet)"),
                                    validators=[Optional(), Length(max=20000)])


class NewCodeForm(Form):
    """The reporter types their new code back to show it is written down."""

    code = StringField(_l("Your new code"),
                       validators=[DataRequired(message=REQUIRED), Length(max=64)],
                       render_kw=CODE_FIELD)


class MessageForm(Form):
    body = TextAreaField(_l("Your message"),
                         validators=[DataRequired(message=REQUIRED), Length(max=20000)])


class MeetingForm(Form):
    note = TextAreaField(_l("When would suit you, and anything else we should know (optional)"),
                         validators=[Optional(), Length(max=2000)])


class MinutesCorrectionForm(Form):
    corrections = TextAreaField(
        _l("What is wrong or missing in the record?"),
        validators=[DataRequired(message=_l("Write what should be changed.")),
                    Length(max=20000)])


class DiscloseForm(Form):
    channel = RadioField(_l("Who may know your name?"), choices=IDENTITY_CHOICES[1:],
                         validators=[InputRequired(message=CHOOSE)])
    # The reporter's own details: autocomplete tells their purpose (1.3.5).
    name = StringField(_l("Your name"), validators=[DataRequired(message=REQUIRED),
                                                    Length(max=200)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"),
                       validators=[Optional(), Regexp(EMAIL, message=NOT_EMAIL),
                                   Length(max=254)],
                       render_kw={"autocomplete": "email"})
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    contact = StringField(_l("Other way to reach you, or best times"),
                          validators=[Optional(), Length(max=300)])

    def identity_data(self) -> dict:
        data = {f: (getattr(self, f).data or "").strip() for f in IDENTITY_FIELDS}
        return {k: v for k, v in data.items() if v}


# Its fields' names and ids on the mailbox page ("news-address"), apart from
# the disclose form's e-mail field.
NEWS_PREFIX = "news"


class NewsAddressForm(Form):
    """The opt-in news e-mail: an address, and that the reporter read what it
    costs. The address is checked again by the domain (reporter_contact)."""

    address = EmailField(_l("Your e-mail address"),
                         validators=[DataRequired(message=_l("Fill in an e-mail address.")),
                                     Length(max=254)],
                         render_kw={"autocomplete": "off", "spellcheck": "false"})
    understood = BooleanField(
        _l("I have read what this means for my anonymity."),
        validators=[DataRequired(message=_l("Tick this box if you still want the e-mail."))])

"""Staff account forms."""

from __future__ import annotations

from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.messages import message_for
from app.web.start_page import PageTextRefused, clean_text


class Form(FlaskForm):
    """The base of every form: its CSRF token renders without an id, so a
    page with several forms (the mailbox, the case page) repeats no id,
    whatever its template writes."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field: Field, render_kw: dict[str, Any]) -> Markup:
            if field.name == "csrf_token":
                render_kw = {**render_kw, "id": False}
            return cast(Markup, super().render_field(field, render_kw))


class SignInForm(Form):
    # "email", not "username": the HTML standard allows "username" on a text
    # field only (the Nu checker and HTML_CodeSniffer refuse it on type=email);
    # a password manager still pairs it with the password below.
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(Form):
    code = StringField(
        _l("Code from your authenticator app (or a recovery code)"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class EnrolForm(Form):
    code = StringField(_l("6-digit code from your authenticator app"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)],
                            render_kw={"autocomplete": "current-password"})


class EmptyForm(Form):
    """A form with only its CSRF token, for buttons that change something."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    # The select starts with a real unit, so it always sends one: no HTML
    # `required`, which asks for an empty first option.
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()],
                       render_kw={"required": False})
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired()])
    active = BooleanField(_l("Account active"), default=True)


class PageTextForm(Form):
    """One start page section in one language: plain text, never HTML."""

    body = TextAreaField(_l("Text"), render_kw={"rows": 14})

    def validate_body(self, field: TextAreaField) -> None:
        try:
            clean_text(field.data or "")
        except PageTextRefused as refused:
            raise ValidationError(message_for(refused)) from None

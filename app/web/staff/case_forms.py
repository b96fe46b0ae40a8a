"""Forms on the staff case pages."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.web.forms import Form
from app.web.labels import CHANNEL_LABELS, INTAKE_CHANNEL_LABELS, REFERRAL_LABELS, TRACK_LABELS

MESSAGE_MAX = 20000


class MessageForm(Form):
    body = TextAreaField(_l("Message to the reporter"),
                         validators=[DataRequired(), Length(max=MESSAGE_MAX)])
    # Off by default: only a message marked so is the feedback the law
    # requires (a question to the reporter is not). Shown while it is owed.
    as_feedback = BooleanField(
        _l("This message is the feedback on the report (what was done with it)"))
    # Off by default: the reporter sees the role you act in, not your name.
    sign = BooleanField(_l("Sign with my name (the reporter otherwise sees only your role)"))


class NoteForm(Form):
    # Its own id: the message form on the same page has a `body` too.
    body = TextAreaField(_l("Note"), id="note-body",
                         validators=[DataRequired(), Length(max=MESSAGE_MAX)])
    visibility = SelectField(_l("Who may read it"), choices=[
        ("internal", _l("Internal (all handlers of this case)")),
        ("personal", _l("Personal (only you)")),
        ("referral", _l("Shared with the external bureau")),
    ])


class RegisterForm(Form):
    intake_channel = SelectField(_l("Received by"), choices=[
        (code, label) for code, label in INTAKE_CHANNEL_LABELS.items() if code != "web"])
    unit_id = SelectField(_l("Unit concerned"), coerce=int)
    track = RadioField(_l("Track"), choices=list(TRACK_LABELS.items()), default="report")
    channel = RadioField(_l("The reporter wishes to be"), choices=list(CHANNEL_LABELS.items()),
                         default="confidential")
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    what = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=MESSAGE_MAX)])
    when = StringField(_l("When"), validators=[Optional(), Length(max=200)])
    where = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    involved = TextAreaField(_l("Who was involved"), validators=[Optional(), Length(max=2000)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=40)])
    with_receipt = BooleanField(_l("The reporter wants a receipt code for the online mailbox"))


class SignalForm(Form):
    # Starts with a real type, so no HTML `required` (that asks for an empty
    # first option).
    kind = SelectField(_l("Type"), validators=[DataRequired()], validate_choice=False,
                       render_kw={"required": False})
    unit_id = SelectField(_l("Unit"), coerce=int)
    on = DateField(_l("Date of the conversation"), validators=[DataRequired()])
    advice_given = BooleanField(_l("Advice given"), default=True)
    referred_to = SelectField(_l("Referred to"), default="", choices=[
        ("", _l("Not referred")), *REFERRAL_LABELS.items()])


class MinutesForm(Form):
    """A (revised) version of the minutes of a meeting with the reporter.
    Made with a prefix (NEW_MINUTES_PREFIX, or one per minutes for a
    revision), so field names and ids differ from the other forms on the
    case page."""

    body = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=MESSAGE_MAX)])
    present = StringField(_l("Who was present (optional)"),
                          validators=[Optional(), Length(max=500)])


class NewMinutesForm(MinutesForm):
    meeting_on = DateField(_l("Date of the meeting"), validators=[DataRequired()])


NEW_MINUTES_PREFIX = "minutes"


def revision_prefix(minutes_id: int) -> str:
    return f"revise{minutes_id}"

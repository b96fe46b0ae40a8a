"""Forms on the staff case pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

MESSAGE_MAX = 20000


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message to the reporter"),
                         validators=[DataRequired(), Length(max=MESSAGE_MAX)])

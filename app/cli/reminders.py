"""The text of the reminder e-mails (`meldpunt reminders send`), in the
organisation's default language; which handlers are reminded, and of how many
cases, is the domain's (app/cases/reminders.py)."""

from __future__ import annotations

from email.message import EmailMessage
from functools import partial

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.cases.reminders import Sender, remind_handlers
from app.models import User
from app.runtime import Runtime


def staff_mail(sender_address: str, user: User, subject: str, body: str) -> EmailMessage:
    """A content-free e-mail to one staff member (reminders, notifications)."""
    message = EmailMessage()
    message["From"] = sender_address
    message["To"] = user.email
    message["Subject"] = subject
    message["X-Meldpunt-User"] = f"user:{user.id}"
    message.set_content(body)
    return message


def reminder_message(rt: Runtime, user: User, count: int, sender_address: str) -> EmailMessage:
    with force_locale(rt.settings.default_locale):
        subject = ngettext("%(num)d case needs your attention",
                           "%(num)d cases need your attention", count)
        body = _(
            "Good day,\n\n%(summary)s: an acknowledgement or feedback to a reporter is due "
            "within a week or overdue.\n\nSign in to see them: %(link)s\n\n"
            "This message contains no case information on purpose.",
            summary=subject, link=rt.settings.base_url.rstrip("/") + "/medewerkers/zaken/",
        )
    return staff_mail(sender_address, user, subject, body)


def send_reminders(session: Session, rt: Runtime, send: Sender,
                   sender_address: str = "meldpunt@localhost", origin: str = "cli") -> int:
    """Send one reminder per handler with due or overdue cases; return how many."""
    return remind_handlers(session, rt, send, partial(reminder_message, rt,
                                                      sender_address=sender_address),
                           origin=origin)

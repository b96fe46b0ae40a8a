"""`meldpunt notify send`: the e-mails that tell handlers a reporter acted,
in the organisation's default language. Which holders hear of which cases,
and when, is the domain's (app/cases/notify.py)."""

from __future__ import annotations

from email.message import EmailMessage
from functools import partial

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.cases.notify import send_notifications
from app.cases.reminders import Sender, SmtpSettings, log_sender, smtp_sender
from app.cases.reporter_contact import send_reporter_news
from app.cli.context import runtime
from app.cli.reminders import staff_mail
from app.keyring import KeyMaterialMissing, load_notify_private
from app.models import User
from app.runtime import Runtime
from app.web.extensions import db
from app.web.i18n import LANGUAGES


def notification_message(rt: Runtime, user: User, numbers: list[str], digest: bool,
                         sender_address: str) -> EmailMessage:
    """The case numbers and links, nothing else: not what the reporter did,
    not the category, the unit or any word of the case."""
    base = rt.settings.base_url.rstrip("/") + "/medewerkers/zaken/"
    with force_locale(rt.settings.default_locale):
        subject = (_("Daily overview: news from reporters") if digest
                   else _("News from a reporter"))
        lines = "\n".join(f"  {number}  {base}{number}" for number in numbers)
        body = _(
            "Good day,\n\n%(summary)s\n\n%(lines)s\n\nSign in to read it.\n\n"
            "This message contains no case information on purpose. You receive it "
            "because you handle these cases; under My account you can choose one "
            "e-mail a day instead.",
            summary=_("There is news from the reporter in:"),
            lines=lines,
        )
    return staff_mail(sender_address, user, subject, body)


def reporter_news_message(rt: Runtime, address: str, sender_address: str) -> EmailMessage:
    """That there is news in the mailbox, and where the mailbox is: no case
    number, no name, no word of the case. In both languages, because the
    reporter's is not kept."""
    link = rt.settings.base_url.rstrip("/") + "/postbus"
    parts = []
    for lang in LANGUAGES:
        with force_locale(lang):
            parts.append(_(
                "There is news in your Meldpunt mailbox. Open it with your receipt code: "
                "%(link)s\n\nThis e-mail contains nothing about your report on purpose. "
                "You get it because you asked for it in your mailbox; you can remove your "
                "address there.", link=link))
    with force_locale(rt.settings.default_locale):
        subject = _("News in your mailbox")
    message = EmailMessage()
    message["From"] = sender_address
    message["To"] = address
    message["Subject"] = subject
    message.set_content("\n\n---\n\n".join(parts))
    return message


def send_reporter_outbox(session: Session, rt: Runtime, send: Sender,
                         sender_address: str = "meldpunt@localhost", origin: str = "cli") -> int:
    """The reporters' news e-mails; needs keys/notify.key (KeyMaterialMissing)."""
    private = load_notify_private(rt.settings.keys_dir)
    return send_reporter_news(session, rt, send, partial(reporter_news_message, rt,
                                                         sender_address=sender_address),
                              private, origin=origin)


def send_outbox(session: Session, rt: Runtime, send: Sender,
                sender_address: str = "meldpunt@localhost", origin: str = "cli") -> int:
    return send_notifications(session, rt, send, partial(notification_message, rt,
                                                         sender_address=sender_address),
                              origin=origin)


@click.group("notify")
def notify_group() -> None:
    """E-mails to handlers when a reporter acts (no case content)."""


@notify_group.command("send")
@with_appcontext
def notify_send() -> None:
    """Send the waiting notifications (run every few minutes)."""

    rt = runtime()
    smtp = SmtpSettings.from_env()
    if smtp is None or rt.settings.env in ("development", "testing"):
        sent = send_outbox(db.session, rt, log_sender)
        click.echo(f"{sent} notification(s) written to the log (no SMTP in {rt.settings.env}).")
        send: Sender = log_sender
        sender = "meldpunt@localhost"
    else:
        sent = send_outbox(db.session, rt, smtp_sender(smtp), smtp.sender)
        click.echo(f"{sent} notification(s) sent.")
        send, sender = smtp_sender(smtp), smtp.sender
    try:
        news = send_reporter_outbox(db.session, rt, send, sender)
    except KeyMaterialMissing:
        click.echo("No notifier key (keys/notify.key): reporters' news e-mails not sent.")
        return
    click.echo(f"{news} news e-mail(s) to reporters sent.")

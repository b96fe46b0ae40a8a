"""`meldpunt reminders send`: tell each handler how many of their cases need
attention (due within a week or overdue). The e-mail carries a count and a
link — never a case number, a category or any other case data.

SMTP settings come from the environment (MELDPUNT_SMTP_HOST, _PORT, _USER,
_PASSWORD, _FROM, _STARTTLS). In development and testing, or without an SMTP
host, the message is written to the log instead (without the address).
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.cases.queues import attention_counts
from app.models import User
from app.runtime import Runtime
from app.vocabulary import AuditAction

log = logging.getLogger("meldpunt.reminders")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = "meldpunt@localhost"
    starttls: bool = True

    def __repr__(self) -> str:  # never the password
        return f"<SmtpSettings {self.host}:{self.port}>"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        env = os.environ if env is None else env
        host = env.get("MELDPUNT_SMTP_HOST", "")
        if not host:
            return None
        return cls(
            host=host, port=int(env.get("MELDPUNT_SMTP_PORT", "587")),
            user=env.get("MELDPUNT_SMTP_USER", ""),
            password=env.get("MELDPUNT_SMTP_PASSWORD", ""),
            sender=env.get("MELDPUNT_SMTP_FROM", "meldpunt@localhost"),
            starttls=env.get("MELDPUNT_SMTP_STARTTLS", "1") not in ("0", "false", "no"),
        )


Sender = Callable[[EmailMessage], None]


def smtp_sender(smtp: SmtpSettings) -> Sender:
    def send(message: EmailMessage) -> None:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.user:
                client.login(smtp.user, smtp.password)
            client.send_message(message)
    return send


def log_sender(message: EmailMessage) -> None:
    # The recipient's address stays out of the log: the user id is enough.
    log.info("reminder (not e-mailed) %s: %s", message["X-Meldpunt-User"], message["Subject"])


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
    message = EmailMessage()
    message["From"] = sender_address
    message["To"] = user.email
    message["Subject"] = subject
    message["X-Meldpunt-User"] = f"user:{user.id}"
    message.set_content(body)
    return message


def send_reminders(session: Session, rt: Runtime, send: Sender,
                   sender_address: str = "meldpunt@localhost", origin: str = "cli") -> int:
    """Send one reminder per handler with due or overdue cases; return how many."""
    sent = 0
    for user_id, count in sorted(attention_counts(session).items()):
        user = session.get(User, user_id)
        if user is None or not user.active or count == 0:
            continue
        send(reminder_message(rt, user, count, sender_address))
        sent += 1
    rt.audit.record(session, actor="system", action=AuditAction.REMINDERS_SENT,
                    object_type="reminders",
                    object_id=str(sent), origin=origin)
    session.commit()
    return sent

"""Reminders: tell each handler how many of their cases need
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


# Builds the e-mail telling `user` that `count` cases need attention (its text
# is the CLI's: app/cli/reminders.py).
Compose = Callable[[User, int], EmailMessage]


def remind_handlers(session: Session, rt: Runtime, send: Sender, compose: Compose,
                    origin: str = "cli") -> int:
    """Send one reminder per handler with due or overdue cases; return how many."""
    sent = 0
    for user_id, count in sorted(attention_counts(session).items()):
        user = session.get(User, user_id)
        if user is None or not user.active or count == 0:
            continue
        send(compose(user, count))
        sent += 1
    rt.audit.record(session, actor="system", action=AuditAction.REMINDERS_SENT,
                    object_type="reminders",
                    object_id=str(sent), origin=origin)
    session.commit()
    return sent

"""`meldpunt reminders send` and `meldpunt case transitions`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db


@click.group("reminders")
def reminders_group() -> None:
    """Reminders to handlers about due and overdue cases."""


@reminders_group.command("send")
@with_appcontext
def reminders_send() -> None:
    """E-mail each handler how many cases need attention (no case content)."""
    from app.cases.reminders import SmtpSettings, log_sender, send_reminders, smtp_sender
    from app.cli import runtime

    rt = runtime()
    smtp = SmtpSettings.from_env()
    if smtp is None or rt.settings.env in ("development", "testing"):
        sent = send_reminders(db.session, rt, log_sender)
        click.echo(f"{sent} reminder(s) written to the log (no SMTP in {rt.settings.env}).")
        return
    sent = send_reminders(db.session, rt, smtp_sender(smtp), smtp.sender)
    click.echo(f"{sent} reminder(s) sent.")


@click.group("case")
def case_group() -> None:
    """The case workflow."""


@case_group.command("transitions")
def case_transitions() -> None:
    """Print the workflow table (the one the pages and tests read) as JSON."""
    from app.cases.workflow import table_json

    click.echo(table_json())

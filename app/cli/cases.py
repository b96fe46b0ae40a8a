"""`meldpunt reminders send` and `meldpunt case transitions`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts.service import find_user_by_email
from app.cases.reminders import SmtpSettings, log_sender, smtp_sender
from app.cases.workflow import TRANSITIONS, WorkflowError, perform, table_json
from app.cli.context import fail, runtime
from app.cli.reminders import send_reminders
from app.crypto.errors import CryptoError
from app.crypto.keys import unlock_private_key
from app.models import Case
from app.web.extensions import db
from app.web.messages import message_for
from app.web.staff.action_forms import with_defaults


@click.group("reminders")
def reminders_group() -> None:
    """Reminders to handlers about due and overdue cases."""


@reminders_group.command("send")
@with_appcontext
def reminders_send() -> None:
    """E-mail each handler how many cases need attention (no case content)."""

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

    click.echo(table_json())


@case_group.command("act")
@click.argument("number")
@click.argument("action")
@click.option("--as", "email", required=True, help="The handler who acts (e-mail address).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the action, e.g. --param vp_id=3 (repeatable).")
@click.password_option("--password", prompt="Password", confirmation_prompt=False,
                       help="The handler's password (unlocks their key); prompted if absent.")
@with_appcontext
def case_act(number: str, action: str, email: str, params: tuple[str, ...],
             password: str) -> None:
    """Take one ACTION of the workflow table on case NUMBER, as a handler."""

    if action not in TRANSITIONS:
        fail(f"unknown action; one of: {', '.join(TRANSITIONS)}")
    user = find_user_by_email(db.session, email)
    case = db.session.scalar(select(Case).where(Case.number == number))
    if user is None or case is None or user.private_key_protected is None:
        fail("no such handler or case")
        return
    try:
        key = unlock_private_key(user.private_key_protected, password)
    except CryptoError:
        fail("wrong password")
        return
    values: dict[str, object] = {}
    for item in params:
        name, _sep, value = item.partition("=")
        if name in ("fields", "attachment_ids"):
            listed = values.setdefault(name, [])
            assert isinstance(listed, list)
            listed.append(value)
        else:
            values[name] = value
    values = with_defaults(action, values, runtime().settings.default_locale)
    try:
        perform(db.session, runtime(), case, user, key, action, origin="cli", **values)
    except WorkflowError as error:
        fail(f"{error.code}: {message_for(error)}")
        return
    click.echo(f"{number}: {action} done; state is now {case.state}.")

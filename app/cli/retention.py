"""`meldpunt retention run [--dry-run] [--now YYYY-MM-DD]`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from app.audit.events import prune_audit_log
from app.audit.log import ChainBroken
from app.cli.context import runtime
from app.localtime import start_of_day
from app.retention.policy import load_policy
from app.retention.sweep import SweepReport, run_sweep
from app.runtime import Runtime
from app.web.extensions import db


@click.group("retention")
def retention_group() -> None:
    """Retention periods and the deletion sweep."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; change nothing.")
@click.option("--now", "now_text", default=None, metavar="YYYY-MM-DD",
              help="Pretend today is this date (testing, catching up).")
def retention_run(dry_run: bool, now_text: str | None) -> None:
    """Record tallies, crypto-shred every expired case, then prune audit
    entries past their own (longer) period. Idempotent."""
    _run(dry_run, now_text)


@with_appcontext
def _run(dry_run: bool, now_text: str | None) -> None:
    now = None
    if now_text:
        try:
            # The start of that day on the organisation's calendar.
            now = start_of_day(datetime.strptime(now_text, "%Y-%m-%d").date(),
                               runtime().settings.zone)
        except ValueError as exc:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--now") from exc
    report = run_sweep(db.session, runtime(), now=now, dry_run=dry_run, origin="cli")
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {len(report.deleted)} expired case(s); {report.held} under legal hold.")
    for number in report.deleted:
        click.echo(f"  {number}")
    verb = "Would close" if dry_run else "Closed"
    click.echo(f"{verb} {len(report.mailboxes_closed)} reporter mailbox(es).")
    if not dry_run:
        click.echo(f"Removed {report.orphan_files} orphan file(s).")
    _echo_ratchet(report)
    _prune_audit(runtime(), now or datetime.now(UTC), dry_run)
    if report.ratchet_held:
        sys.exit(1)


def _echo_ratchet(report: SweepReport) -> None:
    """The erasure ratchet: what was re-sealed, what becomes unrecoverable
    and when, where this instance's ratchet stands."""
    verb = "Would re-seal" if report.dry_run else "Re-sealed"
    click.echo(f"{verb} {report.resealed} live case(s) whose lease runs out.")
    if report.ending:
        click.echo("Unrecoverable from every copy (database, WAL, backups) once the ratchet "
                   "is past:")
        for number, day in report.ending:
            click.echo(f"  {number}  after {day.isoformat()}")
    if report.ratchet_held:
        click.echo(f"Erasure ratchet NOT advanced: {report.ratchet_held}", err=True)
    elif report.ratchet_day is not None:
        click.echo(f"Erasure ratchet at {report.ratchet_day.isoformat()}.")


def _prune_audit(rt: Runtime, now: datetime, dry_run: bool) -> None:
    cutoff = load_policy(db.session).audit_cutoff(now)
    try:
        pruned = prune_audit_log(db.session, rt, before=cutoff, origin="cli", dry_run=dry_run)
    except ChainBroken as exc:
        # A broken chain is evidence: keep every entry and say so loudly.
        click.echo(f"Audit log NOT pruned: {exc}. Run 'meldpunt audit verify'.", err=True)
        sys.exit(1)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {pruned.pruned} audit entr{'y' if pruned.pruned == 1 else 'ies'} "
               f"written before {cutoff.astimezone(rt.settings.zone):%Y-%m-%d %H:%M %Z}"
               + (f" (the log now starts after entry {pruned.through_seq})."
                  if pruned.pruned and not dry_run else "."))

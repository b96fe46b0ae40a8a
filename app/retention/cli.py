"""`meldpunt retention run [--dry-run] [--now YYYY-MM-DD]`."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from app.extensions import db


@click.group("retention")
def retention_group() -> None:
    """Retention periods and the deletion sweep."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; change nothing.")
@click.option("--now", "now_text", default=None, metavar="YYYY-MM-DD",
              help="Pretend today is this date (testing, catching up).")
def retention_run(dry_run: bool, now_text: str | None) -> None:
    """Record tallies, then crypto-shred every expired case. Idempotent."""
    _run(dry_run, now_text)


@with_appcontext
def _run(dry_run: bool, now_text: str | None) -> None:
    from app.cli import runtime
    from app.retention.sweep import run_sweep

    now = None
    if now_text:
        try:
            now = datetime.strptime(now_text, "%Y-%m-%d").replace(tzinfo=UTC)
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

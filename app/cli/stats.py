"""`meldpunt stats export --year Y --format csv|json [--unit CODE]`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.audit.events import record_event
from app.cli.context import runtime
from app.models import Unit
from app.stats.report import build_report
from app.vocabulary import AuditAction
from app.web.extensions import db
from app.web.stats_export import BOM, to_csv, to_json


@click.group("stats")
def stats_group() -> None:
    """Anonymised annual statistics."""


@stats_group.command("export")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--unit", "unit_code", default=None, help="Unit code; default all units.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@with_appcontext
def stats_export(year: int, fmt: str, unit_code: str | None, output: str | None) -> None:
    rt = runtime()
    unit_id = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            click.echo(f"Error: unknown unit {unit_code!r}", err=True)
            sys.exit(1)
        unit_id = unit.id
    report = build_report(db.session, year, rt.settings.stats_threshold, unit_id,
                          zone=rt.settings.zone)
    text = to_csv(report) if fmt == "csv" else to_json(report)
    record_event(db.session, rt, actor="system", action=AuditAction.STATS_EXPORTED,
                 object_type="export", object_id=f"{year}/{unit_id or 'all'}.{fmt}", origin="cli")
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            # A CSV file for a spreadsheet starts with the mark Excel needs to read UTF-8.
            handle.write((BOM if fmt == "csv" else "") + text)
    else:
        click.echo(text, nl=False)

"""`meldpunt files migrate-store --to database|local [--remove-source]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli.context import fail, settings
from app.config import FILE_STORES
from app.runtime import file_store
from app.storage.migrate import FilesDiffer, copy_files


@click.group("files")
def files_group() -> None:
    """The attachment file store."""


@files_group.command("migrate-store")
@click.option("--to", "target_kind", type=click.Choice(FILE_STORES), default="database",
              show_default=True, help="The store to copy the files into.")
@click.option("--remove-source", is_flag=True,
              help="Remove each file from the other store once its copy is checked.")
@with_appcontext
def migrate_store(target_kind: str, remove_source: bool) -> None:
    """Copy every attachment file from the other store into this one
    (ciphertext as it is; each copy checked). Run it with the instances
    stopped, then set MELDPUNT_FILE_STORE to the new store."""
    engine = current_app.extensions["meldpunt.engine"]
    source_kind = next(kind for kind in FILE_STORES if kind != target_kind)
    source = file_store(settings().with_changes(file_store=source_kind), engine)
    target = file_store(settings().with_changes(file_store=target_kind), engine)
    if pending := source.pending_ids():
        fail(f"the {source_kind} store holds {len(pending)} upload(s) in progress:"
             " stop the instances first (or run `meldpunt retention run` to remove"
             " abandoned ones)")
    try:
        report = copy_files(source, target, remove_source=remove_source)
    except FilesDiffer as exc:
        fail(f"file {exc} differs between the two stores: nothing more was removed")
    click.echo(f"{len(report.copied)} file(s) copied from the {source_kind} store to the"
               f" {target_kind} store, {len(report.already_there)} already there,"
               f" {len(report.removed)} removed from the {source_kind} store.")

"""`meldpunt keys regrant-requested`: the recovery-key ceremony that
re-grants, at once, every stranded case the ICC asked for
(app/cases/handover.py, app/cases/recovery.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cases import handover
from app.cli.context import runtime
from app.crypto.keys import PrivateKey
from app.web.extensions import db


def regrant_requested_command(load_recovery_private: Callable[[Path], PrivateKey]
                              ) -> click.Command:
    """The command, with the way the recovery key file is opened
    (app/cli/commands.py: passphrase from the environment or the terminal)."""

    @click.command("regrant-requested")
    @click.option("--key-file", type=click.Path(path_type=Path, exists=True), default=None,
                  help="The offline recovery key. Without it: only list the requests.")
    @with_appcontext
    def regrant_requested(key_file: Path | None) -> None:
        """Re-grant every case the ICC asked to re-grant, with the offline
        recovery key; one transaction per case, each audit-logged."""
        session = db.session
        waiting = handover.open_requests(session)
        if not waiting:
            click.echo("No re-grant requests are waiting.")
            return
        for request, case, user in waiting:
            click.echo(f"  {case.number}  to {user.email}  ({request.reason}, requested "
                       f"{request.requested_at:%Y-%m-%d})")
        if key_file is None:
            click.echo(f"{len(waiting)} request(s) waiting; give --key-file to carry them out.")
            return
        results = handover.fulfil_requests(session, runtime(), load_recovery_private(key_file))
        for result in results:
            if result.refused:
                click.echo(f"NOT re-granted: {result.number} to {result.email} "
                           f"({result.refused}); the request stays open.", err=True)
        done = sum(1 for result in results if result.refused is None)
        click.echo(f"Re-granted {done} of {len(results)} requested case(s).")

    return regrant_requested

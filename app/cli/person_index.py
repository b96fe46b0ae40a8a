"""`meldpunt keys rotate-person-index`: a new key for the blind index of
persons concerned (app/crypto/blind_index.py), every entry computed again.

The index can only be recomputed from the names, and the names are sealed in
each case's `casefile` compartment: the offline recovery key is the one
holder of every case file, so this is a recovery-key ceremony, like
`rotate-recovery`. The order makes an interruption safe to repeat:

1. the new key is written to keys/person_index.key.pending (a run that was
   interrupted left it there: the same key is used again);
2. every entry is computed under it and committed in one transaction;
3. the pending file replaces keys/person_index.key (an atomic rename), so the
   old key is gone from keys/; running workers read the new file at their next
   look-up (app/keyring.py).

Between 2 and 3 (a moment, or until the command is run again after a crash)
the database holds digests under the new key while keys/ still holds the
old one: look-ups and the exclusion of a named handler miss. Stop the app
and the jobs for the ceremony.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cases import persons
from app.cli.context import fail, runtime, settings
from app.crypto.keys import PrivateKey, fingerprint, public_key_bytes
from app.keyring import (
    PERSON_INDEX_KEY,
    RECOVERY_PUBLIC,
    replace_private_file,
    write_private_file,
)
from app.transactions import unit_of_work
from app.web.extensions import db

PENDING = PERSON_INDEX_KEY + ".pending"
KEY_BYTES = 32


def pending_key(keys_dir: Path) -> bytes:
    """The new key: the one an interrupted run left, or a fresh one, written
    (and flushed to disk) before any entry is computed under it."""
    path = keys_dir / PENDING
    if path.is_file():
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
        path.unlink()
    key = secrets.token_bytes(KEY_BYTES)
    write_private_file(path, key)
    return key


def rotate_person_index_command(load_recovery_private: Callable[[Path], PrivateKey]
                                ) -> click.Command:
    """The command, with the way the recovery key file is opened
    (app/cli/commands.py: passphrase from the environment or the terminal)."""

    @click.command("rotate-person-index")
    @click.option("--key-file", type=click.Path(path_type=Path, exists=True), required=True,
                  help="The offline recovery key: the one holder of every case file.")
    @with_appcontext
    def rotate_person_index(key_file: Path) -> None:
        """Make a new key for the index of persons concerned and compute every
        entry again from the names, opened with the offline recovery key.
        Stop the app and the jobs first; safe to run again if interrupted."""
        keys_dir = settings().keys_dir
        recovery_private = load_recovery_private(key_file)
        current = (keys_dir / RECOVERY_PUBLIC).read_bytes()
        if fingerprint(public_key_bytes(recovery_private)) != fingerprint(current):
            fail("the given key file is not the current recovery key")
        new_key = pending_key(keys_dir)
        try:
            with unit_of_work(db.session):
                done = persons.reindex_all(db.session, runtime(), recovery_private, new_key)
        except persons.IndexRotationRefused as refused:
            (keys_dir / PENDING).unlink(missing_ok=True)
            fail("nothing changed: the recovery key does not open the case file of "
                 + ", ".join(refused.numbers))
            return
        replace_private_file(keys_dir / PERSON_INDEX_KEY, new_key)
        (keys_dir / PENDING).unlink(missing_ok=True)
        click.echo(f"Computed {done.entries} index entries of {done.cases} cases under a new "
                   f"key; the old {PERSON_INDEX_KEY} is replaced. Backups of keys/ still hold "
                   "it until they are deleted.")

    return rotate_person_index

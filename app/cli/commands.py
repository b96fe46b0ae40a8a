"""The `meldpunt` command: the app's Flask CLI.

Commands call the same service functions as the web routes. Nothing secret
is printed except what the operator asked to see once (a generated initial
password, the demo credentials, a new recovery passphrase).
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from alembic import command as alembic_command
from alembic.config import Config
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts import service, trust
from app.accounts.passwords import PasswordPolicyError
from app.accounts.service import find_user_by_email
from app.audit.events import seal_audit_log
from app.audit.log import AuditLog, ChainBroken, VerifyResult
from app.cases import custody, recovery, seals
from app.cli.cases import case_group, reminders_group
from app.cli.context import fail, runtime, settings
from app.cli.demo import demo_group
from app.cli.files import files_group
from app.cli.notifications import notify_group
from app.cli.person_index import rotate_person_index_command
from app.cli.regrants import regrant_requested_command
from app.cli.retention import retention_group
from app.cli.stats import stats_group
from app.crypto.errors import WrongPassphrase
from app.crypto.keys import (
    fingerprint,
    generate_keypair,
    protect_private_key,
    public_key_bytes,
    unlock_private_key,
)
from app.keyring import (
    ANCHOR_PUBLIC,
    DEV_ANCHOR_FILE,
    DEV_ANCHOR_PASSPHRASES,
    RECOVERY_PUBLIC,
    anchor_passphrase,
    create_anchor,
    create_missing_secrets,
    create_recovery_key,
    missing_key_files,
    replace_private_file,
    unlock_secret,
    write_private_file,
)
from app.models import Case, Unit, User
from app.retention import keys_backup as keys_backup_module
from app.transactions import unit_of_work
from app.vocabulary import HANDLER_ROLES, Role, UnitKind
from app.web.extensions import db

if TYPE_CHECKING:
    from alembic.config import Config

    from app.crypto.keys import PrivateKey

RECOVERY_PASSPHRASE_ENV = "MELDPUNT_RECOVERY_PASSPHRASE"  # noqa: S105 - a variable name
# The second custodian's passphrase of the trust anchor (the first is the
# recovery passphrase's holder's).
ANCHOR_PASSPHRASE_ENV = "MELDPUNT_ANCHOR_PASSPHRASE"  # noqa: S105 - a variable name


# --- init and schema -------------------------------------------------------


def migrations_config() -> Config:
    root = Path(__file__).resolve().parents[2] / "migrations"
    config = Config()
    config.set_main_option("script_location", str(root))
    config.set_main_option("sqlalchemy.url", settings().database_url.replace("%", "%%"))
    # Migration 0026 seals every key wrap with keys/ratchet (outside the database).
    config.set_main_option("meldpunt.keys_dir", str(settings().keys_dir).replace("%", "%%"))
    return config


def upgrade_schema(revision: str = "head") -> None:
    alembic_command.upgrade(migrations_config(), revision)


def _read_new_passphrase(prompt: str, env: str = RECOVERY_PASSPHRASE_ENV) -> tuple[str, bool]:
    """(passphrase, generated): from the environment, the terminal, or made up.

    Production asks on the terminal or reads the variable `env`, and
    refuses anything else: it never makes a passphrase up and never prints
    one. A development instance (`make run`) makes one up and prints it, so
    the demo starts without questions."""

    from_env = os.environ.get(env)
    production = settings().is_production
    if from_env:
        if production and len(from_env) < 16:
            fail(f"{env} must be at least 16 characters")
        return from_env, False
    if production:
        if not sys.stdin.isatty():
            fail(f"no passphrase: run this on a terminal, or set {env} "
                 "(a production instance never makes one up or prints one)")
        first = getpass.getpass(f"{prompt} (at least 16 characters): ")
        if len(first) >= 16 and first == getpass.getpass("Repeat it: "):
            return first, False
        fail("the passphrases differ or are shorter than 16 characters")
    words = [secrets.token_urlsafe(5) for _ in range(6)]
    return "-".join(words), True


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _offline_path(given: Path | None) -> Path:
    """Where the offline key files go. Production: an explicit path outside
    every folder of the app (instance, keys, files, code), so they are never
    in its backups or left next to what they protect."""
    s = settings()
    if not s.is_production:
        return given or (s.instance_dir / "recovery-key.offline")
    if given is None:
        fail("production: give --recovery-out PATH on removable media or another place "
             "outside the app's folders")
    assert given is not None  # noqa: S101 - fail() exits
    code_root = Path(__file__).resolve().parents[2]
    for folder in (s.instance_dir, s.keys_dir, s.storage_dir, code_root):
        if _inside(given, folder):
            fail(f"--recovery-out must be outside {folder}")
    return given


def init_keys(recovery_out: Path | None) -> None:
    s = settings()
    if s.is_production and not (s.keys_dir / ANCHOR_PUBLIC).exists():
        # Both checked before anything is written.
        _offline_path(recovery_out)
    created = create_missing_secrets(s.keys_dir)
    for name in created:
        click.echo(f"Created keys/{name}")
    first: str | None = None
    if not (s.keys_dir / RECOVERY_PUBLIC).exists():
        out = _offline_path(recovery_out)
        if out.exists():
            fail(f"{out} exists already but keys/{RECOVERY_PUBLIC} does not; move it away first")
        first, generated = _read_new_passphrase("Passphrase for the recovery key")
        fp = create_recovery_key(s.keys_dir, out, first, s.key_derivation)
        click.echo(f"Created the organisation recovery key (fingerprint {fp[:16]}).")
        click.echo(f"  Its private half is in {out}: move it OFFLINE (a safe), then delete it "
                   "here.")
        if generated:
            click.echo(f"  Its passphrase (shown once, store it apart from the file): {first}")
    if not (s.keys_dir / ANCHOR_PUBLIC).exists():
        _init_anchor(_offline_path(recovery_out), first)


def _init_anchor(recovery_out: Path, first: str | None) -> None:
    """The trust anchor, next to the offline recovery key. Production: under
    the recovery passphrase and a second custodian's passphrase (two people
    are needed to endorse with it). Development: published passphrases, so
    `meldpunt demo` can endorse the demo handlers."""
    s = settings()
    out = recovery_out.with_name(DEV_ANCHOR_FILE)
    if out.exists():
        fail(f"{out} exists already but keys/{ANCHOR_PUBLIC} does not; move it away first")
    if s.is_production:
        if first is None:
            first, _generated = _read_new_passphrase("Recovery passphrase (first custodian)")
        second, _generated = _read_new_passphrase(
            "Trust anchor passphrase of the SECOND custodian", ANCHOR_PASSPHRASE_ENV)
        if second == first:
            fail("the two custodians' passphrases must differ")
        passphrases = (first, second)
    else:
        passphrases = DEV_ANCHOR_PASSPHRASES
    fp = create_anchor(s.keys_dir, out, passphrases, s.key_derivation)
    click.echo(f"Created the trust anchor (fingerprint {fp[:16]}); its private half is in {out}.")
    if s.is_production:
        click.echo("  Both custodians' passphrases are needed to use it: keep it OFFLINE with "
                   "the recovery key. Next: `meldpunt keys endorse` for the first handlers.")
    else:
        click.echo("  Development anchor: its passphrases are published. Never use it in "
                   "production.")


@click.command("init")
@click.option("--recovery-out", type=click.Path(path_type=Path), default=None,
              help="Where to write the offline recovery key (default instance/).")
@with_appcontext
def init_command(recovery_out: Path | None) -> None:
    """Create or upgrade the schema and create missing keys. Idempotent."""
    s = settings()
    s.instance_dir.mkdir(parents=True, exist_ok=True)
    init_keys(recovery_out)
    upgrade_schema()
    runtime().files.ensure()
    sealed = seals.seal_unsealed(db.session, runtime())
    if sealed:
        click.echo(f"Sealed {sealed} key wrap(s) from before the erasure ratchet.")
    click.echo("Database schema is up to date.")


@click.group("db")
def db_group() -> None:
    """Schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    upgrade_schema(revision)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    alembic_command.downgrade(migrations_config(), revision)


# --- users -----------------------------------------------------------------


@click.group("user")
def user_group() -> None:
    """Staff accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", default="")
@click.option("--role", "roles", multiple=True, required=True,
              help="Repeat for several roles.")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. kerndepartement.")
@click.option("--password-stdin", is_flag=True,
              help="Read the initial password from standard input instead of generating one.")
@with_appcontext
def user_create(email: str, display_name: str, roles: tuple[str, ...], unit_code: str,
                password_stdin: bool) -> None:
    """Create a staff account. The user sets their own password at first sign-in."""

    session = db.session
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        fail(f"unknown unit {unit_code!r}")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user, initial = service.create_user(
            session, runtime(), email=email, display_name=display_name or email, unit=unit,
            roles=set(roles), password=password, actor="system", origin="cli",
        )
    except (service.AccountError, PasswordPolicyError) as error:
        fail(f"can not create the account: {error}")
        return
    click.echo(f"Created user {user.email} (id {user.id}).")
    if password is None:
        click.echo(f"Initial password (shown once; must be changed at first sign-in): {initial}")


# --- units -------------------------------------------------------------------


@click.group("unit")
def unit_group() -> None:
    """Organisation units, the pool of external counsellors, external bureaus."""


@unit_group.command("create")
@click.option("--code", required=True, help="Short code, e.g. kerndepartement.")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([kind.value for kind in UnitKind]), default="unit",
              help="unit: part of the ministry; external: external counsellors; central: "
                   "central counsellors, who serve every unit; "
                   "bureau: an external investigation bureau.")
@with_appcontext
def unit_create(code: str, name: str, kind: str) -> None:
    """Create a unit (idempotent for the same code)."""

    code = code.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", code) or not name.strip():
        fail("the code is 1-40 lower-case letters, digits or dashes; the name is required")
    session = db.session
    if session.scalar(select(Unit).where(Unit.code == code)) is not None:
        click.echo(f"Unit {code} exists already.")
        return
    service.create_unit(session, runtime(), code=code, name=name.strip()[:200], kind=kind)
    click.echo(f"Created unit {code} ({kind}).")


@unit_group.command("list")
@with_appcontext
def unit_list() -> None:
    """List the units with their codes."""

    for unit in db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code)):
        state = "" if unit.active else " (inactive)"
        click.echo(f"{unit.code:<24} {unit.kind:<9} {unit.name}{state}")


# --- audit -------------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.option("--checkpoint", default=None, help="SEQ:HASH printed earlier by 'checkpoint'.")
@with_appcontext
def audit_verify(checkpoint: str | None) -> None:
    """Check the whole hash chain and HMACs; exit 1 at the first broken entry."""
    point = None
    if checkpoint:
        try:
            seq_text, digest = checkpoint.split(":", 1)
            point = (int(seq_text), digest)
        except ValueError:
            fail("--checkpoint must look like SEQ:HASH")
    # Every committed entry into the chain first (an entry that fails its
    # own HMAC is reported below by verify, which reads the same rows).
    try:
        seal_audit_log(db.session, runtime())
    except ChainBroken:
        pass
    result = runtime().audit.verify(db.session, point)
    if result.ok:
        since = (f" (entries up to {result.start_seq} were pruned; verified from the signed "
                 "anchor)" if result.start_seq else "")
        pending = (f"; {result.unsealed} written since, not yet sealed, each with a valid "
                   "HMAC" if result.unsealed else "")
        click.echo(f"Audit log OK: {result.checked} entries verified{since}{pending}.")
        return
    _broken(result)


def _broken(result: VerifyResult) -> None:
    click.echo(f"Audit log BROKEN at entry {result.first_broken_seq}: {result.reason} "
               f"({result.checked} entries verified before it).", err=True)
    sys.exit(1)


@audit_group.command("seal")
@with_appcontext
def audit_seal() -> None:
    """Link every committed entry into the hash chain (run it every minute
    from cron; the web also seals after each response that wrote entries)."""
    try:
        sealed = seal_audit_log(db.session, runtime())
    except ChainBroken as exc:
        _broken(exc.result)
        return
    click.echo(f"Audit log: {sealed} entries sealed.")


@audit_group.command("checkpoint")
@with_appcontext
def audit_checkpoint() -> None:
    """Seal, then print the current head (SEQ:HASH); store it outside the system."""
    try:
        seal_audit_log(db.session, runtime())
    except ChainBroken as exc:
        _broken(exc.result)
    seq, digest = AuditLog.head(db.session)
    click.echo(f"{seq}:{digest}")


# --- keys ------------------------------------------------------------------


@click.group("keys")
def keys_group() -> None:
    """Server key material and the organisation recovery key."""


@keys_group.command("init")
@click.option("--recovery-out", type=click.Path(path_type=Path), default=None)
@with_appcontext
def keys_init(recovery_out: Path | None) -> None:
    """Create missing server secrets and the recovery key pair (never overwrites)."""
    init_keys(recovery_out)
    missing = missing_key_files(settings().keys_dir)
    click.echo("Key material complete." if not missing else f"Still missing: {missing}")


def _load_recovery_private(path: Path) -> PrivateKey:
    passphrase = os.environ.get(RECOVERY_PASSPHRASE_ENV) or (
        getpass.getpass("Recovery key passphrase: ") if sys.stdin.isatty()
        else sys.stdin.readline().rstrip("\n")
    )
    try:
        return unlock_private_key(path.read_bytes(), passphrase)
    except (WrongPassphrase, OSError):
        fail("the recovery key file can not be opened with this passphrase")


def _anchor_passphrases() -> tuple[str, str]:
    s = settings()
    if not s.is_production and not os.environ.get(ANCHOR_PASSPHRASE_ENV):
        return DEV_ANCHOR_PASSPHRASES
    values = []
    for env, prompt in ((RECOVERY_PASSPHRASE_ENV, "First custodian's passphrase: "),
                        (ANCHOR_PASSPHRASE_ENV, "Second custodian's passphrase: ")):
        value = os.environ.get(env)
        if not value:
            if not sys.stdin.isatty():
                fail(f"set {env} or run this on a terminal")
            value = getpass.getpass(prompt)
        values.append(value)
    return values[0], values[1]


@keys_group.command("endorse")
@click.option("--email", required=True, help="The handler whose key is endorsed.")
@click.option("--role", required=True, type=click.Choice(sorted(HANDLER_ROLES)))
@click.option("--code", required=True,
              help="The key code the handler reads from their page 'My account'.")
@click.option("--anchor-key", type=click.Path(path_type=Path, exists=True), required=True,
              help="The offline trust anchor file.")
@with_appcontext
def keys_endorse(email: str, role: str, code: str, anchor_key: Path) -> None:
    """The ceremony for the first handlers: endorse a key with the trust
    anchor, after comparing its code with its owner (both custodians)."""
    user = find_user_by_email(db.session, email)
    if user is None:
        fail("unknown user")
        return
    try:
        seed = unlock_secret(anchor_key.read_bytes(), anchor_passphrase(_anchor_passphrases()))
    except (WrongPassphrase, OSError):
        fail("the anchor file can not be opened with these passphrases")
        return
    try:
        with unit_of_work(db.session):
            trust.endorse_with_anchor(db.session, runtime(), seed, user, role, code)
    except trust.EndorsementRefused as error:
        fail(f"not endorsed: {error}")
    click.echo(f"Endorsed the key of {user.email} as {role}.")


@keys_group.command("status")
@with_appcontext
def keys_status() -> None:
    """Which handlers' keys are endorsed, per role."""
    rt = runtime()
    if rt.keyring.anchor_public is None:
        click.echo(f"No trust anchor (keys/{ANCHOR_PUBLIC}): run `meldpunt init`.")
    handlers = db.session.scalars(select(User).where(User.active).order_by(User.email)).all()
    intake = False
    for user in handlers:
        roles = sorted(user.roles & HANDLER_ROLES)
        if not roles:
            continue
        endorsed = trust.endorsed_roles(db.session, rt, user)
        intake = intake or Role.INTAKE in endorsed
        marks = ", ".join(f"{role}{'' if role in endorsed else ' (NOT endorsed)'}"
                          for role in roles)
        click.echo(f"{user.email:<40} {marks}")
    if not intake:
        click.echo("WARNING: no intake officer has an endorsed key: new reports reach only the "
                   "recovery key.")


@keys_group.command("recover")
@click.option("--case", "number", required=True, help="Case number, e.g. MP-XXXX-XXXX.")
@click.option("--to", "email", required=True, help="E-mail of the handler to re-grant to.")
@click.option("--key-file", type=click.Path(path_type=Path, exists=True), required=True)
@with_appcontext
def keys_recover(number: str, email: str, key_file: Path) -> None:
    """Re-grant a case to a handler with the offline recovery key."""

    session = db.session
    case = session.scalar(select(Case).where(Case.number == number))
    user = find_user_by_email(session, email)
    if case is None or user is None:
        fail("unknown case or user")
        return
    private = _load_recovery_private(key_file)
    try:
        recovery.recover_access(session, runtime(), case, private, user)
    except (custody.NoAccess, custody.CustodyError) as error:
        fail(f"can not re-grant: {type(error).__name__} {error}")
    click.echo(f"Case {case.number} re-granted to {user.email}.")


@keys_group.command("backup")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              envvar="MELDPUNT_KEYS_BACKUP_DIR",
              help="Folder for the dated backups (outside keys/; or MELDPUNT_KEYS_BACKUP_DIR).")
@click.option("--keep-days", type=click.IntRange(min=0), default=7, show_default=True,
              help="Delete backups older than this many days (the newest always stays).")
@with_appcontext
def keys_backup(out_dir: Path, keep_days: int) -> None:
    """Write today's encrypted backup of keys/ (to the recovery public key)
    and delete the backups older than --keep-days. A keys/ backup keeps a
    shredded case's old copies openable while it exists: SECURITY.md, "The
    erasure ratchet"."""
    s = settings()
    if _inside(out_dir, s.keys_dir):
        fail("--out must be outside keys/")
    today = datetime.now(UTC).date()
    path = keys_backup_module.write_backup(s.keys_dir, out_dir, today)
    click.echo(f"Wrote {path} (encrypted to the recovery key).")
    for gone in keys_backup_module.rotate(out_dir, today, keep_days):
        click.echo(f"Deleted {gone.path.name} (older than {keep_days} days).")
    oldest = keys_backup_module.backups(out_dir)[0].day
    click.echo(f"Oldest keys/ backup: {oldest.isoformat()}. A shredded case opens from no "
               f"copy anywhere {s.ratchet_lease_days} days after its seal day once that "
               "backup is gone too.")


@keys_group.command("ratchet")
@click.option("--now", "now_text", default=None, metavar="YYYY-MM-DD",
              help="Advance to this date instead of today (testing).")
@with_appcontext
def keys_ratchet(now_text: str | None) -> None:
    """Advance this instance's erasure ratchet to today (run daily on every
    instance that keeps its own keys/). Refused while a live case is still
    sealed to an earlier day: run `meldpunt retention run` first."""
    day = datetime.strptime(now_text, "%Y-%m-%d").date() if now_text else (
        datetime.now(UTC).date())
    try:
        current = seals.advance(db.session, runtime(), day)
    except seals.RatchetHeld as error:
        fail(str(error))
        return
    click.echo(f"Erasure ratchet at {current.isoformat()}.")


@keys_group.command("upgrade-cases")
@click.option("--key-file", type=click.Path(path_type=Path, exists=True), required=True,
              help="The offline recovery key.")
@with_appcontext
def keys_upgrade_cases(key_file: Path) -> None:
    """Move every case from before compartments to compartments at once,
    with the offline recovery key (otherwise each moves when a holder first
    opens it). One transaction per case; safe to repeat."""

    private = _load_recovery_private(key_file)
    count = recovery.upgrade_all(db.session, runtime(), private)
    click.echo(f"Moved {count} cases to compartments.")


@keys_group.command("rotate-recovery")
@click.option("--key-file", type=click.Path(path_type=Path, exists=True), required=True,
              help="The current offline recovery key.")
@click.option("--new-out", type=click.Path(path_type=Path), required=True,
              help="Where to write the new offline recovery key.")
@with_appcontext
def keys_rotate_recovery(key_file: Path, new_out: Path) -> None:
    """Make a new recovery key and move every case's recovery wrap to it."""

    s = settings()
    old_private = _load_recovery_private(key_file)
    current = (s.keys_dir / RECOVERY_PUBLIC).read_bytes()
    # Checked up front, not only through the wraps: with no cases yet there
    # is no wrap to fail on, and a wrong file must never start a rotation.
    if fingerprint(public_key_bytes(old_private)) != fingerprint(current):
        fail("the given key file is not the current recovery key")
    if new_out.exists():
        fail(f"{new_out} exists already")
    passphrase, generated = _read_new_passphrase("Passphrase for the NEW recovery key")
    new_private = generate_keypair()
    new_public = public_key_bytes(new_private)
    try:
        count = recovery.rotate_recovery_key(
            db.session, runtime(), old_private, new_public,
            keep_new_private=lambda: write_private_file(
                new_out, protect_private_key(new_private, passphrase, s.key_derivation)))
    except custody.NoAccess:
        fail("the given key file is not the current recovery key")
        return
    replace_private_file(s.keys_dir / RECOVERY_PUBLIC, new_public)
    click.echo(f"Re-wrapped {count} cases to the new recovery key {fingerprint(new_public)[:16]}.")
    click.echo(f"The new private half is in {new_out}: move it offline; destroy the old one.")
    if generated:
        click.echo(f"Its passphrase (shown once): {passphrase}")


keys_group.add_command(regrant_requested_command(_load_recovery_private))
keys_group.add_command(rotate_person_index_command(_load_recovery_private))


def register_commands(app: Flask) -> None:
    for command in (init_command, db_group, unit_group, user_group, audit_group, keys_group,
                    demo_group, retention_group, stats_group, reminders_group, case_group,
                    notify_group, files_group):
        app.cli.add_command(command)

"""`meldpunt demo`: a demo organisation to click through.

Demo accounts live under @demo.meldpunt.test and share one published
password; their TOTP codes are printed by `meldpunt demo totp EMAIL`.
Never run this on a production instance (it refuses to).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts import service, totp, trust
from app.cli.context import runtime
from app.cli.demo_year import YearSummary, demo_users, seed_year
from app.crypto.keys import unlock_private_key
from app.keyring import DEV_ANCHOR_FILE, DEV_ANCHOR_PASSPHRASES, anchor_passphrase, unlock_secret
from app.models import Unit, User
from app.transactions import unit_of_work
from app.vocabulary import HANDLER_ROLES, Role, UnitKind
from app.web.extensions import db

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.models import Unit
    from app.runtime import Runtime

DEMO_DOMAIN = "demo.meldpunt.test"
DEMO_PASSWORD = "demo-wachtwoord-meldpunt"  # noqa: S105 - published demo credential

UNITS = [
    ("kerndepartement", "Kerndepartement", UnitKind.UNIT),
    ("cibg", "CIBG", UnitKind.UNIT),
    ("cbg", "College ter Beoordeling van Geneesmiddelen (CBG)", UnitKind.UNIT),
    ("igj", "Inspectie Gezondheidszorg en Jeugd (IGJ)", UnitKind.UNIT),
    ("rivm", "RIVM", UnitKind.UNIT),
    ("scp", "Sociaal en Cultureel Planbureau (SCP)", UnitKind.UNIT),
    ("extern", "Externe vertrouwenspersonen", UnitKind.EXTERNAL),
    ("centraal", "Centrale vertrouwenspersoon", UnitKind.CENTRAL),
    ("bureau-integriteit", "Bureau Integriteit (extern onderzoeksbureau)", UnitKind.BUREAU),
]

# (local part, name, unit code, roles)
USERS = [
    ("intake", "Ilse Intake", "kerndepartement", {Role.INTAKE}),
    ("vp", "Vera Vertrouwenspersoon", "kerndepartement", {Role.VP}),
    ("vp-extern", "Victor Extern", "extern", {Role.VP}),
    ("vp-centraal", "Carla Centraal", "centraal", {Role.VP}),
    ("ic", "Iris Integriteitscoördinator", "kerndepartement", {Role.IC}),
    ("ic-rivm", "Ruben Integriteitscoördinator RIVM", "rivm", {Role.IC}),
    ("ic-igj", "Gina Integriteitscoördinator IGJ", "igj", {Role.IC}),
    ("icc", "Coen Concerncoördinator", "kerndepartement", {Role.ICC}),
    ("onderzoeker", "Olaf Onderzoeker", "bureau-integriteit", {Role.EXTERNAL}),
    ("beheer", "Bea Beheerder", "kerndepartement", {Role.ADMIN}),
    ("auditor", "Anton Auditor", "kerndepartement", {Role.AUDITOR}),
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def seed_units(session: Session) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, name, kind in UNITS:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            unit = Unit(code=code, name=name, kind=kind)
            session.add(unit)
            session.flush()
        units[code] = unit
    return units


@dataclass
class DemoSeed:
    # (email, roles, TOTP secret) of every demo account.
    accounts: list[tuple[str, str, str]]
    # What this run seeded; None when the demo was seeded before.
    year: YearSummary | None


def seed_demo(session: Session, rt: Runtime) -> DemoSeed:
    """Create the demo organisation once: units, accounts and, with the
    accounts, a year and more of cases (app/cli/demo_year.py). Running it
    again adds nothing."""

    created_any = False
    with unit_of_work(session):  # the units and every account, or none of them
        units = seed_units(session)
        for local, name, unit_code, roles in USERS:
            email = demo_email(local)
            if service.find_user_by_email(session, email) is not None:
                continue
            user, _initial = service.create_user(
                session, rt, email=email, display_name=name, unit=units[unit_code], roles=roles,
                actor="system", origin="cli",
            )
            service.enrol_directly(session, rt, user, DEMO_PASSWORD, totp.new_totp_secret())
            created_any = True
    year = None
    if created_any:
        users = demo_users(session, [(local, demo_email(local)) for local, *_ in USERS])
        with unit_of_work(session):
            endorse_demo_handlers(session, rt, users)
        year = seed_year(session, rt, users, DEMO_PASSWORD)
    accounts = []
    for local, _name, _unit, roles in USERS:
        enrolled = service.find_user_by_email(session, demo_email(local))
        # Every demo account was enrolled above (or on an earlier run).
        assert enrolled is not None and enrolled.totp_secret_encrypted is not None
        secret = totp.decrypt_secret(enrolled.totp_secret_encrypted, rt.keyring.totp_key,
                                     enrolled.id)
        accounts.append((enrolled.email, ", ".join(sorted(roles)), secret))
    return DemoSeed(accounts=accounts, year=year)


def endorse_demo_handlers(session: Session, rt: Runtime, users: dict[str, User]) -> None:
    """The ceremony a new ministry goes through, played for the demo: the
    two custodians endorse the ICC's key with the trust anchor (here a
    development anchor with published passphrases), after comparing its
    code; the ICC then endorses every other handler's key, each after
    comparing codes with them. The admin endorses nobody."""
    anchor_file = rt.settings.instance_dir / DEV_ANCHOR_FILE
    seed = unlock_secret(anchor_file.read_bytes(), anchor_passphrase(DEV_ANCHOR_PASSPHRASES))
    icc = users["icc"]
    if not trust.endorsed(session, rt, icc, Role.ICC):
        trust.endorse_with_anchor(session, rt, seed, icc, Role.ICC, trust.key_code(icc) or "")
    assert icc.private_key_protected is not None  # noqa: S101 - enrolled above
    icc_key = unlock_private_key(icc.private_key_protected, DEMO_PASSWORD)
    for user in users.values():
        for role in sorted(user.roles & HANDLER_ROLES):
            if user.id != icc.id and not trust.endorsed(session, rt, user, role):
                trust.endorse(session, rt, icc, icc_key, user, role, trust.key_code(user) or "")


def _echo_year(year: YearSummary | None) -> None:
    if year is None:
        click.echo("The demo cases were seeded on an earlier run (their receipt codes were "
                   "printed then).")
        return
    states = ", ".join(f"{count} {state}" for state, count in sorted(year.states.items()))
    signals = ", ".join(f"{count} by {demo_email(vp)}" for vp, count in year.signals.items())
    click.echo(f"Seeded {year.cases} cases over the last fifteen months and more: {states}.")
    click.echo(f"  Of these, signals of the vertrouwenspersonen: {signals}.")
    click.echo("  Some closed more than two years ago: `meldpunt retention run --dry-run` lists "
               "them (one is on legal hold).")
    if year.repeated:
        click.echo(f"  Persons concerned: one person is named in {' and '.join(year.repeated)}, "
                   f"spelled differently; sign in as {demo_email('ic')} to see the repeat "
                   "signal, her hearing and her access request (a redacted extract).")
    click.echo("Reporter mailbox: http://127.0.0.1:5000/postbus with one of these receipt codes")
    for number, code, what in year.codes:
        click.echo(f"  {code}   {number}: {what}")


@click.group("demo", invoke_without_command=True)
@click.pass_context
@with_appcontext
def demo_group(ctx: click.Context) -> None:
    """Seed a demo organisation, users and cases (idempotent)."""
    if ctx.invoked_subcommand is not None:
        return

    if current_app.extensions["meldpunt.settings"].is_production:
        click.echo("Error: refusing to seed demo data in production.", err=True)
        sys.exit(1)
    seeded = seed_demo(db.session, runtime())
    click.echo("")
    click.echo("Demo organisation ready. Staff sign-in: http://127.0.0.1:5000/medewerkers/inloggen")
    click.echo(f"Password for every demo account: {DEMO_PASSWORD}")
    click.echo("Second factor: add the TOTP secret to an authenticator app, or run")
    click.echo("  .venv/bin/meldpunt demo totp EMAIL   (prints the current 6-digit code)")
    for email, roles, secret in seeded.accounts:
        click.echo(f"  {email:<38} {roles:<28} TOTP secret {secret}")
    _echo_year(seeded.year)
    click.echo("Reporters: http://127.0.0.1:5000/ (no account needed)")


@demo_group.command("totp")
@click.argument("email")
@with_appcontext
def demo_totp(email: str) -> None:
    """Print the current TOTP code of a demo account."""

    if not email.lower().endswith("@" + DEMO_DOMAIN):
        click.echo("Error: only for demo accounts.", err=True)
        sys.exit(1)
    user = service.find_user_by_email(db.session, email)
    if user is None or user.totp_secret_encrypted is None:
        click.echo("Error: no such demo account.", err=True)
        sys.exit(1)
    secret = totp.decrypt_secret(user.totp_secret_encrypted, runtime().keyring.totp_key, user.id)
    click.echo(pyotp.TOTP(secret).now())

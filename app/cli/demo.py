"""`meldpunt demo`: a demo organisation to click through.

Demo accounts live under @demo.meldpunt.test and share one published
password; their TOTP codes are printed by `meldpunt demo totp EMAIL`.
Never run this on a production instance (it refuses to).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts import service, totp
from app.cases.intake import NewReport, submit_report
from app.cli.context import runtime
from app.models import Unit
from app.transactions import unit_of_work
from app.vocabulary import Role
from app.web.extensions import db

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.models import Unit
    from app.runtime import Runtime

DEMO_DOMAIN = "demo.meldpunt.test"
DEMO_PASSWORD = "demo-wachtwoord-meldpunt"  # noqa: S105 - published demo credential

UNITS = [
    ("kerndepartement", "Kerndepartement", "unit"),
    ("cibg", "CIBG", "unit"),
    ("cbg", "College ter Beoordeling van Geneesmiddelen (CBG)", "unit"),
    ("igj", "Inspectie Gezondheidszorg en Jeugd (IGJ)", "unit"),
    ("rivm", "RIVM", "unit"),
    ("scp", "Sociaal en Cultureel Planbureau (SCP)", "unit"),
    ("extern", "Externe vertrouwenspersonen", "external"),
    ("bureau-integriteit", "Bureau Integriteit (extern onderzoeksbureau)", "bureau"),
]

# (local part, name, unit code, roles)
USERS = [
    ("intake", "Ilse Intake", "kerndepartement", {Role.INTAKE}),
    ("vp", "Vera Vertrouwenspersoon", "kerndepartement", {Role.VP}),
    ("vp-extern", "Victor Extern", "extern", {Role.VP}),
    ("ic", "Iris Integriteitscoördinator", "kerndepartement", {Role.IC}),
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


def seed_demo(session: Session, rt: Runtime) -> list[tuple[str, str, str]]:
    """Create the demo organisation once; return (email, roles, totp secret)."""

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
    if created_any:
        samples = [
            NewReport(unit_id=units["kerndepartement"].id, track="advice", channel="anonymous",
                      category="ongewenste_omgangsvormen", subcategory="pesten",
                      report={"what": "Demo: een collega wordt al maanden buitengesloten.",
                              "when": "sinds het voorjaar", "where": "afdeling"}),
            NewReport(unit_id=units["rivm"].id, track="report", channel="confidential",
                      category="financiele_schendingen",
                      report={"what": "Demo: declaraties die niet kloppen."},
                      identity={"name": "Demo Melder", "email": "melder@example.org"}),
        ]
        for sample in samples:
            submit_report(session, rt, sample)
    accounts = []
    for local, _name, _unit, roles in USERS:
        enrolled = service.find_user_by_email(session, demo_email(local))
        # Every demo account was enrolled above (or on an earlier run).
        assert enrolled is not None and enrolled.totp_secret_encrypted is not None
        secret = totp.decrypt_secret(enrolled.totp_secret_encrypted, rt.keyring.totp_key,
                                     enrolled.id)
        accounts.append((enrolled.email, ", ".join(sorted(roles)), secret))
    return accounts


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
    accounts = seed_demo(db.session, runtime())
    click.echo("")
    click.echo("Demo organisation ready. Staff sign-in: http://127.0.0.1:5000/medewerkers/inloggen")
    click.echo(f"Password for every demo account: {DEMO_PASSWORD}")
    click.echo("Second factor: add the TOTP secret to an authenticator app, or run")
    click.echo("  .venv/bin/meldpunt demo totp EMAIL   (prints the current 6-digit code)")
    for email, roles, secret in accounts:
        click.echo(f"  {email:<38} {roles:<28} TOTP secret {secret}")
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

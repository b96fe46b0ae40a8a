"""Test fixtures: an app on a temporary instance folder, keys and database.

SQLite (default): a migrated template database per worker, copied per test.
PostgreSQL (DATABASE_URL set): one database per xdist worker, migrated once,
emptied between tests.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from app.config import PasswordHashParams, Settings
from app.crypto.kdf import Argon2Params
from app.keyring import (
    DEV_ANCHOR_FILE,
    DEV_ANCHOR_PASSPHRASES,
    create_anchor,
    create_missing_secrets,
    create_recovery_key,
)
from app.models import Unit, User
from app.runtime import Runtime
from app.web.extensions import db

# Cheap Argon2id for tests only; production defaults are RFC 9106's.
FAST_ARGON2 = Argon2Params(time_cost=1, memory_kib=1024, parallelism=1)
FAST_PASSWORD_HASH = PasswordHashParams(time_cost=1, memory_kib=1024, parallelism=1)
RECOVERY_PASSPHRASE = "test recovery passphrase, long enough"
PASSWORD = "correct horse battery staple 42"  # noqa: S105
# The test trust anchor is a development one (published passphrases).
ANCHOR_PASSPHRASES = DEV_ANCHOR_PASSPHRASES

BASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = BASE_URL.startswith("postgres")
# The file store of every test that does not choose one (MELDPUNT_FILE_STORE;
# tests/file_store.py runs the file-store tests on both).
FILE_STORE = os.environ.get("MELDPUNT_TEST_FILE_STORE", "local")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def _pg_url() -> str:
    from app.config import _normalise_database_url

    url = make_url(_normalise_database_url(BASE_URL))
    return url.set(database=f"{url.database}_{_worker()}").render_as_string(hide_password=False)


def _admin_url() -> str:
    """The maintenance database, to create and drop the per-worker ones."""
    from app.config import _normalise_database_url

    url = make_url(_normalise_database_url(BASE_URL))
    return url.set(database="postgres").render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a PostgreSQL URL."""
    if ON_POSTGRES:
        admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        name = make_url(_pg_url()).database
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _migrate(_pg_url())
        yield _pg_url()
        admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    yield str(path)


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        # Triggers (the audit log's append-only guard) do not fire in replica mode.
        conn.execute(text("SET session_replication_role = replica"))
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            conn.execute(text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            ))
    engine.dispose()


@pytest.fixture()
def file_store_kind() -> str:
    """Which file store the app uses; modules of file-store tests override
    this with tests/file_store.py's `file_store_kind` (both stores)."""
    return FILE_STORE


@pytest.fixture()
def settings(tmp_path: Path, database_template: str, file_store_kind: str) -> Settings:
    if ON_POSTGRES:
        empty_postgres(database_template)
        url = database_template
    else:
        target = tmp_path / "meldpunt.db"
        shutil.copyfile(database_template, target)
        url = f"sqlite:///{target}"
    keys_dir = tmp_path / "keys"
    create_missing_secrets(keys_dir)
    create_recovery_key(keys_dir, tmp_path / "recovery.offline", RECOVERY_PASSPHRASE, FAST_ARGON2)
    create_anchor(keys_dir, tmp_path / DEV_ANCHOR_FILE, ANCHOR_PASSPHRASES, FAST_ARGON2)
    return Settings(
        env="testing",
        secret_key="test-secret-key-not-for-production-0123456789",
        database_url=url,
        instance_dir=tmp_path,
        keys_dir=keys_dir,
        storage_dir=tmp_path / "storage",
        file_store=file_store_kind,
        password_hash=FAST_PASSWORD_HASH,
        key_derivation=FAST_ARGON2,
        receipt_derivation=FAST_ARGON2,
    )


@pytest.fixture()
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.close()
    app.extensions["meldpunt.engine"].dispose()


@pytest.fixture()
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["meldpunt.runtime"]
    return runtime


@pytest.fixture()
def session(app: Flask) -> Session:
    return db.session


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app
    context, `g` and database session, not the ones the test holds open.
    (Flask would otherwise reuse the test's pushed app context.)"""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # Buffered: a streamed body is read inside the request's own context.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


# --- helpers -----------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


SEND_TOKEN_RE = re.compile(r'name="send_token"[^>]*value="([^"]*)"')


def send_token_from(html: str) -> str:
    """The report form's send token (hidden in the form and the review page)."""
    match = SEND_TOKEN_RE.search(html)
    assert match, "page has no send token"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, *, page: str | None = None,
              **kwargs: Any) -> TestResponse:
    """POST with the CSRF token taken from `page` (default: GET url first)."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data}, **kwargs)


class Staff:
    """A fully enrolled staff member with their TOTP secret, for tests."""

    def __init__(self, user: User, totp_secret: str) -> None:
        self.user = user
        self.totp_secret = totp_secret
        self.email = user.email
        self.password = PASSWORD

    def code(self, offset_steps: int = 0) -> str:
        import time

        return pyotp.TOTP(self.totp_secret).at(time.time() + 30 * offset_steps)


@pytest.fixture()
def units(session: Session, rt: Runtime) -> dict[str, Unit]:
    from app.cli.demo import seed_units

    result = seed_units(session)
    session.commit()
    return result


@pytest.fixture()
def make_staff(session: Session, rt: Runtime,
               units: dict[str, Unit]) -> Callable[..., Staff]:
    from app.accounts import service, totp

    counter = {"n": 0}

    def make(*roles: str, unit: str = "kerndepartement", email: str | None = None,
             endorse: bool = True) -> Staff:
        counter["n"] += 1
        unit_code = "bureau-integriteit" if "external_investigator" in roles else unit
        user, _ = service.create_user(
            session, rt, email=email or f"{'-'.join(roles)}{counter['n']}@example.test",
            display_name=f"Test {' '.join(roles)} {counter['n']}", unit=units[unit_code],
            roles=set(roles), actor="system", origin="cli",
        )
        secret = totp.new_totp_secret()
        service.enrol_directly(session, rt, user, PASSWORD, secret)
        if endorse:
            endorse_with_test_anchor(session, rt, user)
        session.commit()
        return Staff(user, secret)

    return make


def anchor_seed(rt: Runtime) -> bytes:
    """The test anchor's private key, unlocked with both custodians'
    passphrases (as the ceremony does)."""
    from app.keyring import anchor_passphrase, unlock_secret

    blob = (rt.settings.instance_dir / DEV_ANCHOR_FILE).read_bytes()
    return unlock_secret(blob, anchor_passphrase(ANCHOR_PASSPHRASES))


def endorse_with_test_anchor(session: Session, rt: Runtime, user: User) -> None:
    """Every handler role of the user endorsed by the anchor, code compared."""
    from app.accounts import trust
    from app.vocabulary import HANDLER_ROLES

    seed = anchor_seed(rt)
    for role in sorted(user.roles & HANDLER_ROLES):
        trust.endorse_with_anchor(session, rt, seed, user, role, trust.key_code(user) or "")


def sign_in(client: FlaskClient, staff: Staff, *, code: str | None = None) -> TestResponse:
    """Password then TOTP through the real pages; returns the last response."""
    response = post_form(client, "/medewerkers/inloggen",
                         {"email": staff.email, "password": staff.password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return post_form(client, "/medewerkers/inloggen/code", {"code": code or staff.code()})

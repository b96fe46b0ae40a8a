"""Meldpunt: a confidential integrity and unwanted-behaviour reporting system."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from app.cli.commands import register_commands
from app.config import ConfigError, Settings, check_production_ready
from app.keyring import missing_key_files
from app.malloc import return_large_buffers, trim_now_and_then
from app.runtime import Runtime
from app.web import (
    admission,
    audit_sealing,
    health,
    i18n,
    logs,
    pages,
    security,
    templating,
    theme,
    uploads,
)
from app.web import errors as error_pages
from app.web.converters import IntegerConverter, UnicodeConverter
from app.web.cookies import SplitSessionInterface
from app.web.extensions import babel, csrf, db, login_manager
from app.web.reporter import news as reporter_news
from app.web.reporter import routes as reporting_routes
from app.web.staff import accounts as account_routes
from app.web.staff import admin as admin_routes
from app.web.staff import audit as audit_routes
from app.web.staff import (
    case_access,
    case_file,
    case_minutes,
    case_page,
    case_persons,
    handover,
    queue,
    registration,
)
from app.web.staff import keys as keys_routes
from app.web.staff import retention as retention_routes
from app.web.staff import stats as stats_routes
from app.web.staff import vp_report as vp_report_routes
from app.web.staff.case_blueprint import blueprint as case_blueprint

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _trim_now_and_then(_error: BaseException | None) -> None:
    trim_now_and_then()


def create_app(settings: Settings | None = None, *, for_cli: bool = False) -> Flask:
    """The application. `for_cli`: the `meldpunt` command, which must start
    without keys in production too — `meldpunt init` is what creates them;
    commands that need keys say so when they run."""
    settings = settings or Settings.from_env()
    # Argon2id's and uploads' buffers go back to the system when freed, not
    # into each thread's malloc arena for good (app/malloc.py).
    return_large_buffers()
    missing = missing_key_files(settings.keys_dir)
    if settings.is_production:
        check_production_ready(settings, [] if for_cli else missing)

    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder="static",
        instance_path=str(settings.instance_dir),
    )
    # Before any route is added: ids in URLs stay within the database's range,
    # and path parts hold no control characters (PostgreSQL refuses NUL).
    app.url_map.converters["int"] = IntegerConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = UnicodeConverter
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        DEBUG=settings.debug and not settings.is_production,
        TESTING=settings.env == "testing",
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.is_production,
        # Server-side sessions decide expiry; the cookie lives for the browser session.
        SESSION_PERMANENT=False,
        WTF_CSRF_TIME_LIMIT=settings.session_absolute_hours * 3600,
        WTF_CSRF_SSL_STRICT=settings.is_production,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        # Every date and time on a page is shown in the organisation's zone.
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MELDPUNT_SETTINGS=settings,
    )
    app.extensions["meldpunt.settings"] = settings
    # Reporter uploads are encrypted as they stream in (bounded memory);
    # plaintext never touches disk.
    uploads.init_app(app)
    app.session_interface = SplitSessionInterface()

    db.init_app(app, settings.database_url, settings.keys_dir)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)

    if not missing:
        app.extensions["meldpunt.runtime"] = Runtime.load(
            settings, app.extensions["meldpunt.engine"])

    security.init_app(app)
    admission.init_app(app)
    # Freed heap pages go back to the system now and then (app/malloc.py).
    app.teardown_request(_trim_now_and_then)
    audit_sealing.init_app(app)
    error_pages.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)

    # The reporter's news e-mail adds its routes to the reporter's blueprint.
    assert reporter_news.blueprint is reporting_routes.blueprint
    # The staff case pages' topic modules add their routes to one blueprint.
    for topic in (case_access, case_file, case_minutes, case_page, case_persons, handover,
                  queue, registration):
        assert topic.blueprint is case_blueprint
    for blueprint in (pages.blueprint, health.blueprint, account_routes.blueprint,
                      admin_routes.blueprint, case_blueprint, reporting_routes.blueprint,
                      audit_routes.blueprint, retention_routes.blueprint,
                      stats_routes.blueprint, vp_report_routes.blueprint,
                      keys_routes.blueprint, theme.blueprint):
        app.register_blueprint(blueprint)

    register_commands(app)
    _configure_logging(app)
    return app


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.keys_dir / "session_secret"
    if path.is_file():
        return path.read_bytes().hex()
    if settings.is_production:
        raise ConfigError("MELDPUNT_SECRET_KEY is not set and keys/session_secret is missing")
    # Before `meldpunt init` has run (e.g. the init command itself).
    return secrets.token_hex(32)


def _configure_logging(app: Flask) -> None:
    # Werkzeug's access log would write the client address and URL of every
    # request, also the reporter's: the app never enables it (see app/web/logs.py).
    logs.init_app(app)

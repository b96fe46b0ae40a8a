"""Friendly error pages in one place; never a stack trace.

A `DomainError` that a route lets through becomes the error page with its
own status and its text from the one message table (`app/web/messages.py`).
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.crypto.kdf import KeyDerivationBusy
from app.errors import DomainError
from app.transactions import abandon
from app.web.extensions import db, login_manager
from app.web.messages import PAGES, message_for

log = logging.getLogger("meldpunt.errors")


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = PAGES.get(code, PAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


# Posted fields a busy page never writes back into the page: secrets the
# user types again (passwords, receipt and second-factor codes), and the
# CSRF token (the page carries a fresh one).
NOT_CARRIED = frozenset({"csrf_token", "password", "confirm", "current", "code"})


def carried_fields(form: dict[str, list[str]]) -> list[tuple[str, str]]:
    """What a busy page sends again: every posted field but the secrets."""
    return [(name, value) for name, values in form.items() if name not in NOT_CARRIED
            for value in values]


def busy_headers(error: KeyDerivationBusy) -> list[tuple[str, str]]:
    return [("Retry-After", str(error.retry_after))]


def render_busy(error: KeyDerivationBusy) -> tuple[str, int, list[tuple[str, str]]]:
    """The calm page for a request that found key derivation saturated; a
    form posted is carried (without its secrets) to be sent again."""
    posted = request.method == "POST"
    return render_template(
        "errors/busy.html", code=error.status, message=message_for(error),
        action=request.path if posted else None,
        fields=carried_fields(request.form.to_dict(flat=False)) if posted else [],
        had_secret=posted and any(name in NOT_CARRIED - {"csrf_token"}
                                  for name in request.form),
        file_fields=sorted({name for name, f in request.files.items(multi=True)
                            if f.filename}) if posted else [],
    ), error.status, busy_headers(error)


def init_app(app: Flask) -> None:
    @app.errorhandler(KeyDerivationBusy)
    def _busy(error: KeyDerivationBusy) -> tuple[str, int, list[tuple[str, str]]]:
        abandon(db.session)
        return render_busy(error)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400, _("This form has expired or was already sent. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
        body, code = render_error(error.code or 500)
        # Keep what the error says to clients (Allow on 405, Retry-After on 429).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[str, int]:
        # What the domain refused, with its own status and text.
        return render_error(error.status, message_for(error))

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database(_error: Exception) -> tuple[str, int]:
        abandon(db.session)
        log.error("database unavailable")
        # The page must render without the database: no second attempt to
        # look up the signed-in staff member (Flask-Login's template context
        # would load the user again, fail again and end in a bare 500).
        g.staff_session = None
        g._login_user = login_manager.anonymous_user()  # noqa: SLF001
        return render_error(503)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # Only the exception type: its message may hold user data.
        log.error("unhandled %s", type(error).__name__)
        try:
            abandon(db.session)
        except Exception:  # noqa: BLE001, S110 - the database may be what failed
            pass
        return render_error(500)

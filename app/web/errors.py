"""Friendly error pages in one place; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.transactions import abandon
from app.web.extensions import db, login_manager

log = logging.getLogger("meldpunt.errors")

MESSAGES = {
    400: (_l("Something went wrong with this request"),
          _l("The form could not be processed. Go back, reload the page and try again.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    413: (_l("File too large"),
          _l("What you sent is larger than allowed. Nothing has been saved.")),
    429: (_l("Too many attempts"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error occurred. Nothing you sent has been half-saved; "
             "please try again later.")),
    503: (_l("Temporarily unavailable"),
          _l("Meldpunt is temporarily unavailable. Please try again in a few minutes.")),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def init_app(app: Flask) -> None:
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

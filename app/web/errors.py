"""Friendly error pages in one place; never a stack trace.

A `DomainError` that a route lets through becomes the error page with its
own status and its text from the one message table (`app/web/messages.py`).
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

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

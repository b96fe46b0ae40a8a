"""Who is signed in, what they may do, and the headers every response carries."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.sessions import SessionCookie, find_session, unlocked_private_key
from app.audit.events import record_event
from app.crypto.keys import PrivateKey
from app.models import StaffSession, User
from app.runtime import Runtime
from app.vocabulary import AuditAction, Role
from app.web.extensions import db, login_manager

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["meldpunt.runtime"]
    return rt


def cookie_from_session() -> SessionCookie | None:
    token, secret = session.get("sid"), session.get("sk")
    if not isinstance(token, str) or not isinstance(secret, str):
        return None
    return SessionCookie(token=token, secret=secret)


def store_cookie(cookie: SessionCookie) -> None:
    """Start a fresh Flask session (new CSRF token) holding the new session."""
    lang = session.get("lang")
    session.clear()
    session["sid"], session["sk"] = cookie.token, cookie.secret
    if lang:
        session["lang"] = lang


def current_staff_session(stage: str | None = None) -> StaffSession | None:
    if "staff_session" not in g:
        cookie = cookie_from_session()
        row: StaffSession | None = None
        if cookie is not None and "meldpunt.runtime" in current_app.extensions:
            row = find_session(db.session, cookie, runtime().settings)
            if row is None:
                g.session_expired = True
        g.staff_session = row
    row = g.staff_session
    if row is not None and stage is not None and row.stage != stage:
        return None
    return row


@login_manager.request_loader
def _load_user(_request: Any) -> User | None:
    row = current_staff_session("active")
    return row.user if row is not None else None


@login_manager.unauthorized_handler
def _unauthorized() -> BaseResponse:
    if g.get("session_expired"):
        flash(_("Your session has expired. Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


def current_private_key() -> PrivateKey | None:
    """The signed-in user's unlocked private key, for this request only."""
    if "private_key" not in g:
        row, cookie = current_staff_session("active"), cookie_from_session()
        g.private_key = unlocked_private_key(row, cookie) if row and cookie else None
    key: PrivateKey | None = g.private_key
    return key


def staff_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a signed-in staff member (with one of `roles`, if given) and
    pass them to the view as its first argument."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            user: User = current_user._get_current_object()
            if roles and not user.has_role(*roles):
                # Under the case when the page is about one, so the case's
                # audit trail shows every refused attempt on it.
                number = (request.view_args or {}).get("number")
                record_event(
                    db.session, runtime(), actor=f"user:{user.id}",
                    action=AuditAction.ACCESS_DENIED,
                    object_type="case" if number else "route",
                    object_id=str(number) if number else request.endpoint or "",
                    result="denied",
                )
                abort(403)
            return view(user, *args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorator


admin_required = staff_required(Role.ADMIN)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    # Static files, and the house-style colours (app/web/theme.py: its
    # address changes with the colours), may be kept by a browser.
    if request.endpoint not in ("static", "theme.stylesheet"):
        # Nothing of this application belongs in a shared or browser cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if current_app.extensions["meldpunt.settings"].is_production:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)

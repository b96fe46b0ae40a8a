"""Template helpers: labels, dates in the user's language, the signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app, g, request
from flask_babel import format_date, format_datetime, format_number

from app.config import Settings
from app.localtime import is_day_start
from app.models import User, utcnow
from app.vocabulary import Role
from app.web import labels
from app.web.cookies import is_staff_path
from app.web.security import current_staff_session


def _staff_user() -> User | None:
    if not is_staff_path(request.path):
        return None
    try:

        row = current_staff_session("active")
    except Exception:  # noqa: BLE001 - an error page must render even when the database is down
        g.pop("staff_session", None)
        return None
    return row.user if row is not None else None


def _day_only(value: datetime) -> bool:
    """A reporter-driven time, kept as the start of its local day
    (app/daytime.py): shown as the date it is, never as "00:00"."""
    settings: Settings = current_app.extensions["meldpunt.settings"]
    return is_day_start(value, settings.zone)


def _moment(pattern: str) -> Callable[[datetime | None], str]:
    def show(value: datetime | None) -> str:
        if not value:
            return "–"
        if _day_only(value):
            return str(format_date(value, "d MMM y"))
        return str(format_datetime(value, pattern))
    return show


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetimeformat"] = _moment("d MMM y HH:mm")
    app.jinja_env.filters["dateformat"] = lambda v: format_date(v, "d MMM y") if v else "–"
    app.jinja_env.filters["numberformat"] = format_number  # 1.000 in Dutch, 1,000 in English
    # To the second, with the offset from UTC (the audit log).
    app.jinja_env.filters["timestampformat"] = _moment("y-MM-dd HH:mm:ss xxx")
    # Templates name roles as the code does: Role.ADMIN, not a string.
    app.jinja_env.globals["Role"] = Role

    @app.context_processor
    def _helpers() -> dict[str, object]:
        settings: Settings = current_app.extensions["meldpunt.settings"]
        return {
            # The header's logo band (the settings object itself, with its
            # secret key, stays out of the templates).
            "organisation_name": settings.organisation_name,
            "organisation_name_en": settings.organisation_name_en,
            "logo": settings.logo,
            "state_label": labels.state_label,
            "track_label": labels.track_label,
            "channel_label": labels.channel_label,
            "report_field_label": labels.report_field_label,
            "now": utcnow,
            "staff_side": is_staff_path(request.path),
            "staff_user": _staff_user(),
        }


__all__ = ["init_app", "datetime"]

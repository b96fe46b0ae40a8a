"""Landing pages: the public start page and the staff home."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, send_from_directory
from flask_babel import get_locale

from app.accounts import trust
from app.audit import floods
from app.cases import agenda, custody, handover
from app.models import User
from app.vocabulary import Role
from app.web import labels
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.security import runtime, staff_required
from app.web.start_page import page_texts

blueprint = Blueprint("pages", __name__)


@blueprint.route("/")
def start() -> str:
    # The admin may have reworded sections (per language); the rest is the shipped text.
    texts = page_texts(db.session, str(get_locale() or "nl"))
    return render_template("reporting/start.html", texts=texts)


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    """Tools and older browsers ask for /favicon.ico whatever a page links
    to: answer with the SVG icon (app/static/favicon.svg) rather than a 404."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@blueprint.route("/medewerkers/")
@staff_required()
def staff_home(user: User) -> str:
    """What the user has to do today (app/cases/agenda.py), and the
    re-grants waiting for them or for a colleague."""
    holds = user.may_hold_cases
    waiting = custody.count_awaiting_regrant(db.session, user) if holds else 0
    can_give = custody.regrants_i_can_give(db.session, user) if holds else []
    today = agenda.agenda(db.session, user, zone=runtime().settings.zone) if holds else None
    # The admin hears of floods of wrong codes or sign-ins (content-free).
    flood_alerts = (floods.recent_floods(db.session, runtime()) if user.has_role(Role.ADMIN)
                    else [])
    stranded = handover.count_stranded(db.session) if user.has_role(Role.ICC) else 0
    rt = runtime()
    # Issue #19: a handler whose key nobody confirmed yet receives nothing;
    # with no confirmed intake officer, new reports reach only the recovery key.
    key_unconfirmed = holds and not trust.endorsed_roles(db.session, rt, user)
    no_intake = user.has_role(Role.ADMIN, Role.ICC) and not trust.any_endorsed(
        db.session, rt, Role.INTAKE)
    return render_template("staff_home.html", user=user, waiting=waiting, can_give=can_give,
                           today=today, agenda_labels=labels.AGENDA_LABELS, form=EmptyForm(),
                           flood_alerts=flood_alerts, flood_labels=labels.FLOOD_LABELS,
                           stranded=stranded, key_unconfirmed=key_unconfirmed,
                           no_intake=no_intake)

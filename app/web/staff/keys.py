"""Confirming colleagues' keys: the endorsement ceremony in the browser.

A new handler reads the code of their own key (on their account page,
computed from the key unlocked in their session) to a colleague of the same
role, or the central integrity coordinator, by phone or in person. The
colleague types it here; only when it matches the key the database holds is
the key endorsed (app/accounts/trust.py). The admin who made the account
has no handler role and sees nothing here."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.accounts import trust
from app.audit.events import record_event
from app.models import User
from app.transactions import unit_of_work
from app.vocabulary import HANDLER_ROLES, AuditAction, Role
from app.web import labels
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.messages import message_for
from app.web.security import current_private_key, runtime, staff_required

blueprint = Blueprint("keys", __name__, url_prefix="/medewerkers/sleutels")
handler_required = staff_required(*sorted(HANDLER_ROLES))


@blueprint.route("/", methods=["GET"])
@handler_required
def index(user: User) -> str:
    rt = runtime()
    waiting = trust.awaiting_endorsement(db.session, rt, user)
    return render_template("accounts/keys.html", waiting=waiting, form=EmptyForm(),
                           may_endorse=trust.may_endorse_roles(db.session, rt, user),
                           role_label=labels.role_label)


@blueprint.route("/<int:user_id>/<role>", methods=["POST"])
@handler_required
def endorse(user: User, user_id: int, role: str) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    rt = runtime()
    target = db.session.get(User, user_id)
    if target is None or role not in {r.value for r in Role}:
        abort(404)
    try:
        with unit_of_work(db.session):
            trust.endorse(db.session, rt, user, current_private_key(), target, role,
                          request.form.get("code", ""))
    except trust.EndorsementRefused as error:
        if error.code in ("code_mismatch", "not_allowed"):
            record_event(db.session, rt, actor=f"user:{user.id}",
                         action=AuditAction.KEYS_ENDORSED, object_type="user",
                         object_id=target.id, target=f"role:{role}", result="denied")
        flash(message_for(error), "error")
    else:
        flash(_("The key of %(name)s is confirmed: cases can now be passed to them as "
                "%(role)s.", name=target.display_name, role=labels.role_label(role)), "success")
    return redirect(url_for("keys.index"))

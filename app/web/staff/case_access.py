"""Conflict of interest (recusal, exclusion, lifting a restriction) and
re-granting access to a case whose holders lost their key."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.accounts import trust
from app.audit.events import record_event
from app.cases import conflicts, custody
from app.cases.access import open_case
from app.models import Case, CaseRestriction, User
from app.vocabulary import AuditAction, Role
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.messages import message_for
from app.web.security import current_private_key, runtime, staff_required
from app.web.staff.case_blueprint import (
    blueprint,
    check_csrf,
    handler_required,
)

# --- conflict of interest ---------------------------------------------------------


@blueprint.route("/<number>/terugtrekken", methods=["POST"])
@handler_required
def recuse(user: User, number: str) -> BaseResponse:
    check_csrf()
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.CASE_OPEN_FOR_ACTION)
    try:
        conflicts.recuse(db.session, rt, opened.case, user)
    except conflicts.ConflictError as error:
        flash(message_for(error), "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("You have recused yourself from case %(number)s.", number=number), "success")
    return redirect(url_for("cases.my_cases"))


@blueprint.route("/<number>/uitsluiten", methods=["POST"])
@staff_required(Role.INTAKE, Role.IC)
def exclude(user: User, number: str) -> BaseResponse:
    check_csrf()
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.CASE_OPEN_FOR_ACTION)
    target_id = request.form.get("user_id", "")
    target = (db.session.get(User, int(target_id))
              if target_id.isascii() and target_id.isdigit() and len(target_id) <= 9 else None)
    if target is None:
        flash(_("Choose the person to exclude."), "error")
        return redirect(url_for("cases.show", number=number))
    try:
        conflicts.exclude(db.session, rt, opened.case, user, target)
    except conflicts.ConflictError as error:
        flash(message_for(error), "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("%(name)s can no longer open this case.", name=target.display_name), "success")
    return redirect(url_for("cases.show", number=number))


@blueprint.route("/<number>/beperkingen/<int:restriction_id>/opheffen", methods=["POST"])
@staff_required(Role.INTAKE, Role.IC)
def lift_restriction(user: User, number: str, restriction_id: int) -> BaseResponse:
    check_csrf()
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.CASE_OPEN_FOR_ACTION)
    restriction = db.session.get(CaseRestriction, restriction_id)
    if restriction is None or restriction.case_id != opened.case.id:
        abort(404)
    try:
        conflicts.lift(db.session, rt, opened.case, opened.key, user, restriction,
                       request.form.get("reason", ""))
    except conflicts.ConflictError as error:
        flash(message_for(error), "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("The restriction has been lifted."), "success")
    return redirect(url_for("cases.show", number=number))


# --- access re-grants ------------------------------------------------------------


@blueprint.route("/toegang")
@handler_required
def access(user: User) -> str:
    rt = runtime()
    can_give = custody.regrants_i_can_give(db.session, user)
    colleagues = {colleague.id: colleague for _case, colleague in can_give}
    return render_template(
        "cases/access.html",
        waiting=custody.cases_awaiting_regrant(db.session, user),
        can_give=can_give,
        # A new key (after a password reset) is confirmed before any case
        # is wrapped to it.
        unconfirmed={uid for uid, colleague in colleagues.items()
                     if not trust.endorsed_roles(db.session, rt, colleague)},
        form=EmptyForm(),
    )


@blueprint.route("/toegang/<number>/<int:user_id>", methods=["POST"])
@handler_required
def regrant(user: User, number: str, user_id: int) -> BaseResponse:
    if not EmptyForm().validate_on_submit():
        abort(400)
    rt = runtime()
    case = db.session.scalar(select(Case).where(Case.number == number))
    target = db.session.get(User, user_id)
    if case is None or target is None or not custody.holds(db.session, case, target):
        abort(404)
    if conflicts.is_restricted(db.session, case, target):
        abort(404)
    try:
        custody.regrant(db.session, rt, case, user, current_private_key(), target)
    except custody.NoAccess:
        record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.CASE_REGRANT,
                     object_type="case", object_id=case.number, result="denied")
        abort(404)
    except custody.CustodyError as error:
        flash(message_for(error), "error")
        return redirect(url_for("cases.access"))
    flash(_("Access has been restored for %(name)s.", name=target.display_name), "success")
    return redirect(url_for("cases.access"))

"""Handing a case over to a colleague, and the ICC's page of stranded cases
(no active holder can open them) with its re-grant requests
(app/cases/handover.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as BaseResponse

from app.accounts import trust
from app.audit.events import record_event
from app.cases import custody, handover
from app.models import User
from app.vocabulary import AuditAction, RegrantReason, Role
from app.web import labels
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.messages import message_for
from app.web.security import current_private_key, runtime, staff_required
from app.web.staff.case_blueprint import blueprint, case_or_404, check_csrf, handler_required
from app.web.staff.case_page import HandoverRefill, case_page

icc_required = staff_required(Role.ICC)


def _chosen_user() -> User | None:
    value = request.form.get("user_id", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        return None
    return db.session.get(User, int(value))


@blueprint.route("/<number>/overdragen", methods=["POST"])
@handler_required
def hand_over(user: User, number: str) -> BaseResponse | tuple[str, int]:
    check_csrf()
    rt = runtime()
    case = case_or_404(number)
    reason = request.form.get("reason", "")[:handover.MAX_REASON]
    target = _chosen_user()
    try:
        if not custody.holds(db.session, case, user):
            # Before any other check: a non-holder learns nothing.
            raise custody.NoAccess
        if target is None:
            raise handover.HandoverError("not_a_colleague", name=_("This colleague"))
        handover.hand_over(db.session, rt, case, user, current_private_key(), target, reason)
    except custody.NoAccess:
        record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.CASE_HANDOVER,
                     object_type="case", object_id=case.number, result="denied")
        abort(404)
    except handover.HandoverError as error:
        # The form again, open, with the reason as typed and why not.
        refill = HandoverRefill(user_id=target.id if target else None, reason=reason,
                                error=message_for(error))
        return case_page(user, number, handover_refill=refill), error.status
    flash(_("Case %(number)s has been handed over to %(name)s. You no longer hold it.",
            number=case.number, name=target.display_name), "success")
    return redirect(url_for("cases.my_cases"))


@blueprint.route("/overdragen", methods=["GET", "POST"])
@handler_required
def hand_over_several(user: User) -> str | BaseResponse | tuple[str, int]:
    """Before leaving: hand several of my open cases to one colleague."""
    held = handover.open_cases_of(db.session, user)
    # Only colleagues whose key is confirmed can receive a case (#19).
    colleagues = [colleague for colleague in handover.colleagues_in_my_roles(db.session, user)
                  if trust.endorsed_roles(db.session, runtime(), colleague)]
    chosen = request.form.getlist("numbers") if request.method == "POST" else [
        h.case.number for h in held]
    reason = request.form.get("reason", "")[:handover.MAX_REASON]
    error, status = None, 200
    if request.method == "POST":
        check_csrf()
        target = _chosen_user()
        if target is None or target.id not in {c.id for c in colleagues}:
            error, status = _("Choose the colleague who takes the cases over."), 400
        elif not reason.strip():
            error, status = message_for(handover.HandoverError("no_reason")), 400
        elif not chosen:
            error, status = _("Tick the cases to hand over."), 400
        else:
            results = handover.hand_over_many(db.session, runtime(), user,
                                              current_private_key(), chosen[:500], target,
                                              reason)
            done = [number for number, refused in results if refused is None]
            if done:
                flash(ngettext("%(num)d case has been handed over to %(name)s.",
                               "%(num)d cases have been handed over to %(name)s.", len(done),
                               name=target.display_name), "success")
            for number, refused in results:
                if refused is not None:
                    flash(_("%(number)s was not handed over: %(why)s", number=number,
                            why=message_for(refused)), "error")
            return redirect(url_for("cases.hand_over_several"))
    return render_template("cases/hand_over_several.html", held=held, colleagues=colleagues,
                           chosen=set(chosen), reason=reason, error=error,
                           chosen_user=request.form.get("user_id", ""), form=EmptyForm()), status


@blueprint.route("/vastgelopen")
@icc_required
def stranded(user: User) -> str:
    """Open cases no active holder can open: ask for a re-grant."""
    cases = handover.stranded_cases(db.session)
    return render_template(
        "cases/stranded.html", stranded=cases, total=handover.count_stranded(db.session),
        candidates={s.case.id: handover.regrant_candidates(db.session, s.case) for s in cases},
        reasons=[(reason, labels.REGRANT_REASON_LABELS[reason]) for reason in RegrantReason],
        form=EmptyForm())


@blueprint.route("/vastgelopen/<number>", methods=["POST"])
@icc_required
def request_regrant(user: User, number: str) -> BaseResponse:
    check_csrf()
    case = case_or_404(number)
    target = _chosen_user()
    try:
        if target is None:
            raise handover.HandoverError("not_a_colleague", name=_("This colleague"))
        handover.request_regrant(db.session, runtime(), user, case, target,
                                 request.form.get("reason", "")[:30])
    except handover.HandoverError as error:
        flash(message_for(error), "error")
    else:
        flash(_("Re-grant of case %(number)s to %(name)s requested. The holders of the "
                "recovery key carry it out with 'meldpunt keys regrant-requested'.",
                number=case.number, name=target.display_name), "success")
    return redirect(url_for("cases.stranded"))

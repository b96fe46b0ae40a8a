"""Retention pages: the admin sets periods; the IC sets and lifts legal holds."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.audit.events import record_event
from app.cases.access import open_case
from app.models import RetentionChange, User
from app.retention.hold import HOLD_ROLES, HoldNotAllowed, lift_legal_hold, set_legal_hold
from app.retention.policy import (
    ANY,
    AUDIT_MARGIN_MONTHS,
    AUDIT_MONTHS_DEFAULT,
    AUDIT_TRACK,
    DEFAULT_MONTHS,
    RetentionRuleRefused,
    decide_change,
    load_policy,
    may_decide,
    minimum_months,
    pending_changes,
    save_periods,
)
from app.vocabulary import AuditAction, Role, Track
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.labels import TRACK_LABELS
from app.web.messages import message_for
from app.web.security import admin_required, current_private_key, runtime, staff_required

blueprint = Blueprint("retention", __name__, url_prefix="/medewerkers/bewaren")

OUTCOME_LABELS = {
    ANY: _l("any other outcome"),
    "advice_given": _l("advice given"),
    "founded": _l("founded"),
    "unfounded": _l("unfounded"),
    "not_established": _l("not established"),
    "not_admissible": _l("not admissible"),
    "referred": _l("referred elsewhere"),
    "withdrawn": _l("withdrawn"),
}
REASON_MAX = 2000


@blueprint.route("/termijnen", methods=["GET", "POST"])
@admin_required
def periods(admin: User) -> str | Response:
    policy = load_policy(db.session)
    form = EmptyForm()
    if form.validate_on_submit():
        rt = runtime()
        errors = []
        wanted = dict(policy.months)
        for key in sorted(policy.months):
            months = _months_field(f"months-{key[0]}-{key[1]}")
            if months is False:
                errors.append(_("Every period must be a whole number of months between 1 and "
                                "600."))
            elif months is not None:
                wanted[key] = months
        audit_months = _months_field("months-audit")
        minimum = max(wanted.values()) + AUDIT_MARGIN_MONTHS
        if audit_months is False or (audit_months is not None and audit_months < minimum):
            errors.append(_("The audit log must be kept at least %(months)s months: the longest "
                            "case period plus %(margin)s months.", months=minimum,
                            margin=AUDIT_MARGIN_MONTHS))
        for key, months in sorted(wanted.items()):
            if months < minimum_months(*key):
                errors.append(_("A period can not be shorter than the minimum in the last "
                                "column."))
        if errors:
            for error in dict.fromkeys(errors):
                flash(error + " " + _("Nothing has been saved."), "error")
        else:
            try:
                waiting = save_periods(db.session, rt, admin, policy, wanted, audit_months)
            except RetentionRuleRefused as error:
                flash(message_for(error) + " " + _("Nothing has been saved."), "error")
                return redirect(url_for("retention.periods"))
            if waiting:
                flash(_("Longer periods are in force. A shorter period takes effect only when a "
                        "second person (the central integrity coordinator or another "
                        "administrator) approves it, and then only for cases closed after "
                        "that."), "success")
            else:
                flash(_("The retention periods have been saved."), "success")
            return redirect(url_for("retention.periods"))
    rows = [(track, outcome, months, DEFAULT_MONTHS.get((track, outcome)),
             minimum_months(track, outcome))
            for (track, outcome), months in sorted(policy.months.items())]
    # After a refused save the form shows what was typed, not the stored periods.
    typed = request.form if request.method == "POST" else {}
    return render_template("retention/periods.html", rows=rows, form=form, typed=typed,
                           pending=_pending_rows(admin),
                           track_labels=TRACK_LABELS, outcome_labels=OUTCOME_LABELS,
                           mailbox_months=policy.mailbox_months,
                           audit_months=policy.audit_months, audit_default=AUDIT_MONTHS_DEFAULT,
                           audit_minimum=policy.audit_minimum_months)


def _pending_rows(user: User) -> list[tuple[RetentionChange, str, str, bool]]:
    """(change, track label, outcome label, may this user decide)."""
    rows = []
    for change in pending_changes(db.session):
        track = (_("Audit log") if change.track == AUDIT_TRACK
                 else str(TRACK_LABELS.get(Track(change.track), change.track)))
        rows.append((change, track, str(OUTCOME_LABELS.get(change.outcome, change.outcome)),
                     may_decide(user, change)))
    return rows


decide_required = staff_required(Role.ADMIN, Role.ICC)


@blueprint.route("/wijzigingen", methods=["GET"])
@decide_required
def changes(user: User) -> str:
    """Proposed shorter periods, for the second person to approve."""
    return render_template("retention/changes.html", pending=_pending_rows(user),
                           form=EmptyForm())


@blueprint.route("/wijzigingen/<int:change_id>", methods=["POST"])
@decide_required
def decide(user: User, change_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    rt = runtime()
    approve = request.form.get("decision") == "approve"
    try:
        decide_change(db.session, rt, user, change_id, approve)
    except RetentionRuleRefused as error:
        record_event(db.session, rt, actor=f"user:{user.id}",
                     action=AuditAction.ADMIN_RETENTION_APPROVED,
                     object_type="retention_rule", object_id=str(change_id), result="denied")
        flash(message_for(error), "error")
    else:
        flash(_("The shorter period is in force for cases closed from now on.") if approve
              else _("The proposal has been rejected; the period stays as it was."), "success")
    return redirect(url_for("retention.changes"))


def _months_field(name: str) -> int | None | bool:
    """The whole number of months in a field, None when the field is absent,
    False when it is not a number between 1 and 600."""
    raw = request.form.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 600:
        return False
    return int(raw)


hold_required = staff_required(*sorted(HOLD_ROLES))


@blueprint.route("/<number>/bewaarplicht", methods=["POST"])
@hold_required
def legal_hold(user: User, number: str) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.CASE_OPEN_FOR_LEGAL_HOLD)
    lift = request.form.get("lift") == "1"
    reason = (request.form.get("reason") or "").strip()[:REASON_MAX]
    try:
        if lift:
            lift_legal_hold(db.session, rt, opened.case, user)
        else:
            set_legal_hold(db.session, rt, opened.case, user, opened.key, reason)
    except HoldNotAllowed as error:
        flash(message_for(error), "error")
    else:
        flash(_("The legal hold has been lifted.") if lift else
              _("The case is under legal hold: it will not be deleted until the hold is "
                "lifted."), "success")
    return redirect(url_for("cases.show", number=opened.case.number))

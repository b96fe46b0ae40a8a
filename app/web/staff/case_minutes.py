"""Minutes of a meeting with the reporter: record, revise, send, approve on paper."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.cases import minutes
from app.cases.access import OpenCase, open_case
from app.cases.minutes import MinutesError
from app.errors import NotFound
from app.models import User
from app.vocabulary import AuditAction
from app.web.extensions import db
from app.web.messages import message_for
from app.web.security import current_private_key, runtime
from app.web.staff.case_blueprint import (
    blueprint,
    check_csrf,
    external_only,
    handler_required,
)
from app.web.staff.case_forms import (
    NEW_MINUTES_PREFIX,
    MinutesForm,
    NewMinutesForm,
    revision_prefix,
)

# --- minutes of a meeting with the reporter ------------------------------------------


def _open_for_minutes(user: User, number: str) -> OpenCase:
    """A holder of the case key; not the external bureau, which never
    speaks with the reporter (403, as for messages)."""
    opened = open_case(db.session, runtime(), user, current_private_key(), number,
                       action=AuditAction.CASE_OPEN_FOR_ACTION)
    if external_only(user):
        abort(403)
    return opened


def _minutes_error(error: MinutesError, number: str) -> BaseResponse:
    """Minutes that are not found are the 404 page; any other refusal goes
    back to the case page with its text."""
    if isinstance(error, NotFound):
        raise error
    flash(message_for(error), "error")
    return redirect(url_for("cases.show", number=number, _anchor="minutes"))


def _version_field() -> int:
    raw = request.form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0


@blueprint.route("/<number>/verslagen", methods=["POST"])
@handler_required
def minutes_record(user: User, number: str) -> BaseResponse:
    opened = _open_for_minutes(user, number)
    form = NewMinutesForm(prefix=NEW_MINUTES_PREFIX)
    if not form.validate_on_submit() or form.meeting_on.data is None:
        flash(_("Give the date of the meeting and write the minutes (at most 20,000 "
                "characters)."), "error")
        return redirect(url_for("cases.show", number=number, _anchor="minutes"))
    try:
        minutes.record_minutes(db.session, runtime(), opened.case, opened.key, user,
                               meeting_on=form.meeting_on.data, text=form.body.data or "",
                               present=form.present.data or "")
    except MinutesError as error:
        return _minutes_error(error, number)
    flash(_("The minutes have been saved. They are not yet sent to the reporter."), "success")
    return redirect(url_for("cases.show", number=number, _anchor="minutes"))


@blueprint.route("/<number>/verslagen/<int:minutes_id>/herzien", methods=["POST"])
@handler_required
def minutes_revise(user: User, number: str, minutes_id: int) -> BaseResponse:
    opened = _open_for_minutes(user, number)
    form = MinutesForm(prefix=revision_prefix(minutes_id))
    if not form.validate_on_submit():
        return _minutes_error(MinutesError("empty"), number)
    try:
        version = minutes.revise_minutes(db.session, runtime(), opened.case, opened.key, user,
                                         minutes_id, text=form.body.data or "",
                                         present=form.present.data or "")
    except MinutesError as error:
        return _minutes_error(error, number)
    flash(_("Version %(n)d of the minutes has been saved. It is not yet sent to the reporter.",
            n=version), "success")
    return redirect(url_for("cases.show", number=number, _anchor="minutes"))


@blueprint.route("/<number>/verslagen/<int:minutes_id>/versturen", methods=["POST"])
@handler_required
def minutes_send(user: User, number: str, minutes_id: int) -> BaseResponse:
    check_csrf()
    opened = _open_for_minutes(user, number)
    try:
        minutes.send_minutes(db.session, runtime(), opened.case, user, minutes_id)
    except MinutesError as error:
        return _minutes_error(error, number)
    flash(_("The minutes have been placed in the reporter's mailbox for approval."), "success")
    return redirect(url_for("cases.show", number=number, _anchor="minutes"))


@blueprint.route("/<number>/verslagen/<int:minutes_id>/op-papier", methods=["POST"])
@handler_required
def minutes_paper(user: User, number: str, minutes_id: int) -> BaseResponse:
    check_csrf()
    opened = _open_for_minutes(user, number)
    try:
        minutes.approve_on_paper(db.session, runtime(), opened.case, user, minutes_id,
                                 _version_field())
    except MinutesError as error:
        return _minutes_error(error, number)
    flash(_("Recorded: the reporter approved the minutes on paper."), "success")
    return redirect(url_for("cases.show", number=number, _anchor="minutes"))



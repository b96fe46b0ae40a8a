"""Staff case pages: queues, the case page and its actions, notes, attachments,
conflict of interest, registration of reports and signals, access re-grants.

Routes are thin: they read the request, call one service function
(workflow.perform, conflicts.*, registration.*) and render. What may happen
to a case is decided by the transition table in app/cases/workflow.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.forms import EmptyForm
from app.cases import (
    choices,
    conflicts,
    custody,
    labels,
    minutes,
    queues,
    registration,
    workflow,
)
from app.cases.access import AwaitingRegrant, OpenCase, open_case
from app.cases.content import (
    AttachmentView,
    UploadTooLarge,
    add_message,
    list_attachments,
    open_attachment,
    read_identity,
    read_messages,
    read_report,
)
from app.cases.forms import (
    NEW_MINUTES_PREFIX,
    MessageForm,
    MinutesForm,
    NewMinutesForm,
    NoteForm,
    RegisterForm,
    SignalForm,
    revision_prefix,
)
from app.cases.minutes import MinutesError, read_minutes
from app.cases.notes import add_note, read_notes
from app.extensions import db
from app.models import Attachment, AuditEntry, Case, CaseRestriction, User, utcnow
from app.models.user import HANDLER_ROLES
from app.reporting.service import Upload
from app.web.security import current_private_key, runtime, staff_required

blueprint = Blueprint("cases", __name__, url_prefix="/medewerkers/zaken")

handler_required = staff_required(*sorted(HANDLER_ROLES))
registrar_required = staff_required("intake", "vertrouwenspersoon")
vp_required = staff_required("vertrouwenspersoon")

# Types a browser may show inline without risk; everything else downloads
# as an opaque file.
SAFE_INLINE_TYPES = {"image/jpeg", "image/png", "application/pdf", "text/plain"}
# Reads are logged too, but the timeline shows what happened, not who looked.
TIMELINE_SKIP = {"case.open", "case.message_read_for_reply", "attachment.download",
                 "case.open_for_action"}
CHUNK = 64 * 1024
# Form fields that are not workflow parameters: the names of perform()'s own
# arguments would clash with them (a TypeError, or a forged audit `origin`).
RESERVED_FORM_NAMES = {"csrf_token", "fields", "attachment_ids", "session", "rt", "case",
                       "actor", "private_key", "action", "origin"}


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {**labels.TEMPLATE_HELPERS, "category_label": choices.category_label}


@blueprint.errorhandler(AwaitingRegrant)
def _awaiting_regrant(error: AwaitingRegrant) -> tuple[str, int]:
    return render_template("cases/awaiting_regrant.html", case=error.case), 403


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _external_only(user: User) -> bool:
    """An external investigator sees only what was referred to their bureau."""
    return user.roles <= {"external_investigator"}


# --- queues ---------------------------------------------------------------------


@blueprint.route("/")
@handler_required
def my_cases(user: User) -> str:
    page = request.args.get("pagina", "1")
    unit = request.args.get("eenheid", "")
    result = queues.queue(
        db.session, user, tab=request.args.get("tab", "all"),
        sort=request.args.get("sorteer", queues.DEFAULT_SORT),
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 10 else 1,
        unit_id=int(unit) if unit.isascii() and unit.isdigit() and len(unit) < 10 else None,
        track=request.args.get("spoor") or None,
    )
    return render_template("cases/queue.html", q=result, tabs=queues.TABS,
                           tab_labels=labels.TAB_LABELS, sorts=list(queues.SORTS),
                           units=choices.unit_choices(db.session),
                           tracks=list(labels.TRACK_LABELS.items()))


# --- the case page -------------------------------------------------------------


def _timeline(case: Case) -> list[dict[str, Any]]:
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "case",
                                 AuditEntry.object_id == case.number,
                                 AuditEntry.result == "ok",
                                 AuditEntry.action.not_in(TIMELINE_SKIP))
        .order_by(AuditEntry.seq)
    ).all()
    ids = {int(e.actor.split(":", 1)[1]) for e in entries if e.actor.startswith("user:")}
    names = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    items = []
    for entry in entries:
        if entry.actor.startswith("user:"):
            who = names.get(int(entry.actor.split(":", 1)[1]), _("a former colleague"))
        elif entry.actor == "reporter":
            who = _("Reporter")
        else:
            who = _("System")
        items.append({"at": entry.at, "who": who,
                      "what": labels.audit_action_label(entry.action)})
    return items


def _visible_attachments(user: User, opened: OpenCase) -> list[AttachmentView]:
    views = list_attachments(db.session, opened.case, opened.key)
    if not _external_only(user):
        return views
    found = workflow.referral_package(db.session, opened.case, opened.key, user.unit_id)
    allowed = workflow.referral_attachment_ids(found[0]) if found else set()
    return [v for v in views if v.id in allowed or v.uploaded_by_kind == "external"]


def _action_context(user: User, case: Case, report: dict[str, Any],
                    attachments: list[AttachmentView]) -> dict[str, Any]:
    """The actions the user may offer on this case, with the options their
    forms need (labels in the user's language)."""
    actions = workflow.available_actions(case, user)
    names = {t.action for t in actions}

    def labelled(codes: tuple[str, ...], label: Any) -> list[tuple[str, str]]:
        return [(code, label(code)) for code in codes]

    ctx: dict[str, Any] = {
        "has_consent": workflow.has_consent(case),
        "track_options": list(labels.TRACK_LABELS.items()),
        "referral_options": labelled(workflow.REFERRAL_TARGETS, labels.referral_label),
        "early_options": labelled(workflow.EARLY_CLOSE_REASONS, labels.close_reason_label),
        "advice_outcomes": labelled(("advice_given", "referred"), labels.outcome_label),
        "decision_options": labelled(workflow.DECISION_OUTCOMES, labels.outcome_label),
        "measure_options": labelled(workflow.MEASURES, labels.measure_label),
        "close_options": labelled(workflow.CLOSE_REASONS[:4], labels.close_reason_label),
        "report_keys": list(report),
        "attachment_options": attachments,
    }
    if "acknowledge" in names:
        ctx["standard_acknowledgement"] = workflow.standard_acknowledgement(
            runtime().settings.default_locale)
    if "route_to_vp" in names:
        ctx["vp_options"] = [
            (u.id, u.display_name) for u in choices.people_with_role(db.session,
                                                                      "vertrouwenspersoon")
            if not conflicts.is_restricted(db.session, case, u)]
    if "classify" in names:
        ctx["units"] = choices.unit_choices(db.session)
        ctx["categories"] = choices.category_choices()
        ctx["subcategories"] = choices.subcategory_choices()
    if "refer_to_external" in names:
        ctx["bureaus"] = choices.bureau_choices(db.session)
    return {"actions": actions, "ctx": ctx}


@blueprint.route("/<number>")
@handler_required
def show(user: User, number: str) -> str:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number)
    case, key = opened.case, opened.key
    external = _external_only(user)
    attachments = _visible_attachments(user, opened)
    report = {} if external else read_report(key, case)
    context: dict[str, Any] = {
        "case": case, "external": external, "attachments": attachments,
        "notes": read_notes(db.session, case, key, user),
        "note_form": NoteForm(), "form": EmptyForm(),
        "deadline_days": rt.settings.acknowledge_days,
        "deadline_months": rt.settings.feedback_months,
        **_action_context(user, case, report, attachments),
    }
    if external:
        found = workflow.referral_package(db.session, case, key, user.unit_id)
        context["package"] = found[1] if found else {"report": {}}
    else:
        context.update(
            report=report, identity=read_identity(key, case),
            messages=read_messages(db.session, case, key), message_form=MessageForm(),
            minutes=read_minutes(db.session, case, key),
            minutes_form=NewMinutesForm(prefix=NEW_MINUTES_PREFIX),
            revision_form=lambda m: MinutesForm(prefix=revision_prefix(m.id)),
            has_mailbox=minutes.has_mailbox(db.session, case),
            timeline=_timeline(case),
            restrictions=conflicts.restrictions(db.session, case),
            may_exclude=user.has_role("intake", "integriteitscoordinator"),
            people=[u for u in choices.handlers(db.session) if u.id != user.id],
            lift_reasons={r.id: conflicts.lift_reason(key, case, r)
                          for r, _u in conflicts.restrictions(db.session, case)},
        )
    return render_template("cases/case.html", **context)


def _params() -> dict[str, Any]:
    params: dict[str, Any] = {
        k: v for k, v in request.form.items() if k not in RESERVED_FORM_NAMES
    }
    params["fields"] = request.form.getlist("fields")
    params["attachment_ids"] = [a for a in request.form.getlist("attachment_ids")
                                if a.isascii() and a.isdigit() and len(a) <= 18]
    upload = request.files.get("report_file")
    if upload is not None and upload.filename:
        def chunks() -> Iterator[bytes]:
            while block := upload.stream.read(CHUNK):
                yield block
        params["report_file"] = Upload(upload.filename, upload.mimetype or
                                       "application/octet-stream", chunks())
    return params


def _case_or_404(number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.number == number))
    if case is None:
        abort(404)
    return case


@blueprint.route("/<number>/actie/<action>", methods=["POST"])
@handler_required
def act(user: User, number: str, action: str) -> BaseResponse:
    _check_csrf()
    rt = runtime()
    case = _case_or_404(number)
    if not custody.holds(db.session, case, user) or conflicts.is_restricted(db.session, case,
                                                                            user):
        # Before any other check: a non-holder learns nothing, not even
        # whether the action would fit their role.
        rt.audit.record(db.session, actor=f"user:{user.id}", action="case.act",
                        object_type="case", object_id=case.number, result="denied")
        db.session.commit()
        abort(404)
    try:
        workflow.perform(db.session, rt, case, user, current_private_key(), action, **_params())
    except workflow.TransitionNotAllowed as error:
        rt.audit.record(db.session, actor=f"user:{user.id}", action="case.act",
                        object_type="case", object_id=case.number, result="denied")
        db.session.commit()
        if error.code in ("not_holder", "restricted", "unknown_action", "shredded"):
            abort(404)
        if error.code == "role":
            abort(403)
        flash(str(error.message), "error")
        return redirect(url_for("cases.show", number=number))
    except workflow.WorkflowError as error:
        # CaseChanged or RequirementMissing: nothing was written.
        flash(str(error.message), "error")
        return redirect(url_for("cases.show", number=number))
    except UploadTooLarge:
        flash(_("File too large"), "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("Done: %(action)s.", action=workflow.TRANSITIONS[action].label), "success")
    if workflow.TRANSITIONS[action].hands_off and not custody.holds(db.session, case, user):
        return redirect(url_for("cases.my_cases"))
    return redirect(url_for("cases.show", number=number))


@blueprint.route("/<number>/berichten", methods=["POST"])
@handler_required
def send_message(user: User, number: str) -> BaseResponse | str:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="case.message_read_for_reply")
    if _external_only(user):
        abort(403)  # the bureau asks its questions through the IC
    form = MessageForm()
    if not form.validate_on_submit():
        flash(_("Write a message before sending (at most 20,000 characters)."), "error")
        return redirect(url_for("cases.show", number=number))
    add_message(db.session, opened.case, opened.key, form.body.data or "",
                author_kind="staff", author=user)
    workflow.note_feedback_given(opened.case, utcnow())
    rt.audit.record(db.session, actor=f"user:{user.id}", action="case.message_sent",
                    object_type="case", object_id=opened.case.number)
    db.session.commit()
    flash(_("Your message has been placed in the reporter's mailbox."), "success")
    return redirect(url_for("cases.show", number=number))


@blueprint.route("/<number>/notities", methods=["POST"])
@handler_required
def note(user: User, number: str) -> BaseResponse:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="case.open_for_action")
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("Write a note before saving (at most 20,000 characters)."), "error")
        return redirect(url_for("cases.show", number=number))
    visibility = "referral" if _external_only(user) else form.visibility.data
    add_note(db.session, opened.case, opened.key, user, form.body.data or "", visibility)
    rt.audit.record(db.session, actor=f"user:{user.id}", action="case.note_added",
                    object_type="case", object_id=opened.case.number)
    db.session.commit()
    flash(_("Your note has been saved."), "success")
    return redirect(url_for("cases.show", number=number))


# --- minutes of a meeting with the reporter ------------------------------------------


def _open_for_minutes(user: User, number: str) -> OpenCase:
    """A holder of the case key; not the external bureau, which never
    speaks with the reporter (403, as for messages)."""
    opened = open_case(db.session, runtime(), user, current_private_key(), number,
                       action="case.open_for_action")
    if _external_only(user):
        abort(403)
    return opened


def _minutes_error(error: MinutesError, number: str) -> BaseResponse:
    code = str(error)
    if code == "not_found":
        abort(404)
    texts = {
        "stale": _("The minutes were changed or answered in the meantime. Check the current "
                   "status and try again."),
        "no_mailbox": _("This reporter has no mailbox. Give the minutes to the reporter on "
                        "paper and record the approval here."),
        "empty": _("Write the minutes before saving (at most 20,000 characters)."),
        "future_date": _("The date of the meeting can not be in the future."),
    }
    flash(texts.get(code, _("This is not possible for these minutes.")), "error")
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
    _check_csrf()
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
    _check_csrf()
    opened = _open_for_minutes(user, number)
    try:
        minutes.approve_on_paper(db.session, runtime(), opened.case, user, minutes_id,
                                 _version_field())
    except MinutesError as error:
        return _minutes_error(error, number)
    flash(_("Recorded: the reporter approved the minutes on paper."), "success")
    return redirect(url_for("cases.show", number=number, _anchor="minutes"))


def _download_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "bijlage"
    return cleaned[:120]


@blueprint.route("/<number>/bijlagen/<int:attachment_id>")
@handler_required
def download(user: User, number: str, attachment_id: int) -> Response:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="attachment.download")
    attachment = db.session.get(Attachment, attachment_id)
    # An attachment id of another case, or not referred to this bureau, is
    # treated as non-existent.
    if attachment is None or attachment.case_id != opened.case.id or (
        attachment.id not in {v.id for v in _visible_attachments(user, opened)}
    ):
        abort(404)
    view, chunks = open_attachment(rt, opened.case, opened.key, attachment)
    rt.audit.record(db.session, actor=f"user:{user.id}", action="attachment.download",
                    object_type="attachment", object_id=f"{opened.case.number}/{attachment.id}")
    db.session.commit()
    content_type = view.content_type if view.content_type in SAFE_INLINE_TYPES else (
        "application/octet-stream")
    response = Response(stream_with_context(chunks), content_type=content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_download_name(view.name)}"'
    )
    response.headers["Content-Length"] = str(view.size)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- conflict of interest ---------------------------------------------------------


@blueprint.route("/<number>/terugtrekken", methods=["POST"])
@handler_required
def recuse(user: User, number: str) -> BaseResponse:
    _check_csrf()
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="case.open_for_action")
    try:
        conflicts.recuse(db.session, rt, opened.case, user)
    except conflicts.ConflictError:
        flash(_("You are the only one who holds this case: hand it over before you recuse."),
              "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("You have recused yourself from case %(number)s.", number=number), "success")
    return redirect(url_for("cases.my_cases"))


@blueprint.route("/<number>/uitsluiten", methods=["POST"])
@staff_required("intake", "integriteitscoordinator")
def exclude(user: User, number: str) -> BaseResponse:
    _check_csrf()
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="case.open_for_action")
    target_id = request.form.get("user_id", "")
    target = (db.session.get(User, int(target_id))
              if target_id.isascii() and target_id.isdigit() and len(target_id) <= 9 else None)
    if target is None:
        flash(_("Choose the person to exclude."), "error")
        return redirect(url_for("cases.show", number=number))
    try:
        conflicts.exclude(db.session, rt, opened.case, user, target)
    except conflicts.ConflictError:
        flash(_("This person can not be excluded (already excluded, or it is you: "
                "use recuse instead)."), "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("%(name)s can no longer open this case.", name=target.display_name), "success")
    return redirect(url_for("cases.show", number=number))


@blueprint.route("/<number>/beperkingen/<int:restriction_id>/opheffen", methods=["POST"])
@staff_required("intake", "integriteitscoordinator")
def lift_restriction(user: User, number: str, restriction_id: int) -> BaseResponse:
    _check_csrf()
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="case.open_for_action")
    restriction = db.session.get(CaseRestriction, restriction_id)
    if restriction is None or restriction.case_id != opened.case.id:
        abort(404)
    try:
        conflicts.lift(db.session, rt, opened.case, opened.key, user, restriction,
                       request.form.get("reason", ""))
    except conflicts.ConflictError:
        flash(_("Give a reason for lifting the restriction."), "error")
        return redirect(url_for("cases.show", number=number))
    flash(_("The restriction has been lifted."), "success")
    return redirect(url_for("cases.show", number=number))


# --- registration of reports and signals --------------------------------------------


@blueprint.route("/registreren", methods=["GET", "POST"])
@registrar_required
def register(user: User) -> str | BaseResponse:
    form = RegisterForm()
    form.unit_id.choices = choices.unit_choices(db.session)
    form.category.choices = [("", _("Not yet known"))] + choices.category_choices()
    if form.validate_on_submit():
        identity = {k: getattr(form, k).data.strip() for k in ("name", "email", "phone")
                    if (getattr(form, k).data or "").strip()}
        report = {k: getattr(form, k).data.strip() for k in ("what", "when", "where", "involved")
                  if (getattr(form, k).data or "").strip()}
        try:
            case, code = registration.register_report(
                db.session, runtime(), user, registration.Registration(
                    unit_id=form.unit_id.data, track=form.track.data or "report",
                    channel=form.channel.data or "confidential",
                    intake_channel=form.intake_channel.data or "phone",
                    report=report, identity=identity or None,
                    category=form.category.data or None,
                    with_receipt=bool(form.with_receipt.data),
                ))
        except registration.RegistrationError:
            flash(_("Check the choices in the form."), "error")
            return render_template("cases/register.html", form=form), 400
        # Rendered, not redirected: the code is shown once and stored nowhere.
        return render_template("cases/registered.html", case=case, code=code)
    return render_template("cases/register.html", form=form)


@blueprint.route("/signaal", methods=["GET", "POST"])
@vp_required
def signal(user: User) -> str | BaseResponse:
    form = SignalForm()
    form.unit_id.choices = choices.unit_choices(db.session)
    form.kind.choices = choices.signal_type_choices() or [("overig", _("Other"))]
    if request.method == "GET" and user.unit.kind != "external":
        form.unit_id.data = user.unit_id
    if form.validate_on_submit():
        category, _sep, sub = (form.kind.data or "").partition("/")
        try:
            registration.register_signal(db.session, runtime(), user, registration.Signal(
                unit_id=form.unit_id.data, category=category, subcategory=sub or None,
                on=form.on.data, advice_given=bool(form.advice_given.data),
                referred_to=form.referred_to.data or None,
            ))
        except registration.RegistrationError as error:
            message = {
                "outcome": _("Tick 'advice given' or choose where you referred to."),
                "date": _("The date can not be in the future."),
            }.get(str(error), _("Check the choices in the form."))
            flash(message, "error")
            return render_template("cases/signal.html", form=form), 400
        flash(_("The signal has been registered. Thank you."), "success")
        return redirect(url_for("cases.signal"))
    return render_template("cases/signal.html", form=form)


# --- access re-grants ------------------------------------------------------------


@blueprint.route("/toegang")
@handler_required
def access(user: User) -> str:
    return render_template(
        "cases/access.html",
        waiting=custody.cases_awaiting_regrant(db.session, user),
        can_give=custody.regrants_i_can_give(db.session, user),
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
        custody.grant(db.session, rt, case, user, current_private_key(), target,
                      action="case.regrant")
    except custody.NoAccess:
        rt.audit.record(db.session, actor=f"user:{user.id}", action="case.regrant",
                        object_type="case", object_id=case.number, result="denied")
        db.session.commit()
        abort(404)
    except custody.CustodyError:
        flash(_("This colleague has no key yet: they must sign in once first."), "error")
        return redirect(url_for("cases.access"))
    db.session.commit()
    flash(_("Access has been restored for %(name)s.", name=target.display_name), "success")
    return redirect(url_for("cases.access"))

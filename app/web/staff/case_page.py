"""The case page and what is done on it: the workflow actions, messages,
notes and attachment downloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
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

from app.audit.events import record_event
from app.cases import conflicts, custody, handover, minutes, persons, unread, workflow
from app.cases.access import OpenCase, open_case
from app.cases.casework import send_message_to_reporter, write_note
from app.cases.content import (
    AttachmentView,
    UploadTooLarge,
    list_attachments,
    open_attachment,
    read_identity,
    read_messages,
    read_report,
    referred_files,
)
from app.cases.minutes import read_minutes
from app.cases.notes import read_notes
from app.cases.uploads import UploadRefused
from app.crypto.compartments import IDENTITY
from app.errors import Conflict
from app.localtime import local_date
from app.models import Attachment, AuditEntry, Case, User, utcnow
from app.vocabulary import (
    AuditAction,
    Role,
    State,
)
from app.web import labels
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.messages import message_for
from app.web.report_view import report_items
from app.web.security import current_private_key, runtime
from app.web.staff import action_forms, choices
from app.web.staff.case_blueprint import (
    RESERVED_FORM_NAMES,
    SAFE_INLINE_TYPES,
    TIMELINE_SKIP,
    blueprint,
    case_or_404,
    check_csrf,
    external_only,
    handler_required,
)
from app.web.staff.case_forms import (
    NEW_MINUTES_PREFIX,
    MessageForm,
    MinutesForm,
    NewMinutesForm,
    NoteForm,
    revision_prefix,
)
from app.web.uploads import accepts_uploads, collect_files

# --- the case page -------------------------------------------------------------


def timeline(case: Case) -> list[dict[str, Any]]:
    """What happened to the case, in words: when, who (name and roles, or
    the reporter, or the system) and what."""
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "case",
                                 AuditEntry.object_id == case.number,
                                 AuditEntry.result == "ok",
                                 AuditEntry.action.not_in(TIMELINE_SKIP))
        .order_by(AuditEntry.seq)
    ).all()
    people = [code for e in entries for code in (e.actor, *e.target.split(","))
              if code.startswith("user:")]
    ids = {int(code.split(":", 1)[1]) for code in people}
    names = {person.id: labels.person_label(person.display_name, person.roles)
             for person in db.session.scalars(select(User).where(User.id.in_(ids)))
             } if ids else {}

    def name(code: str) -> str:
        return str(names.get(int(code.split(":", 1)[1]), _("a former colleague")))

    items = []
    for entry in entries:
        if entry.actor.startswith("user:"):
            who = name(entry.actor)
        elif entry.actor == "reporter":
            who = _("The reporter")
        else:
            who = _("Meldpunt (automatically)")
        what = str(labels.audit_action_label(entry.action))
        targets = [name(code) for code in entry.target.split(",") if code.startswith("user:")]
        if targets:
            # Every holder sees who was added to (or excluded from) the case.
            what = _("%(what)s: %(name)s", what=what, name=", ".join(targets))
        items.append({"at": entry.at, "who": who, "what": what})
    return items


@dataclass(frozen=True)
class HandoverRefill:
    """The handover form, open again with what was typed and why not."""

    user_id: int | None
    reason: str
    error: str


@dataclass(frozen=True)
class Deadline:
    """A deadline in words: what, by when, and where it stands."""

    kind: str  # acknowledge | feedback
    due: datetime
    done: datetime | None
    # Whole local days from today to the due day (negative: overdue).
    days_left: int


def deadlines(case: Case, now: datetime) -> list[Deadline]:
    zone = runtime().settings.zone
    today = local_date(now, zone)

    def one(kind: str, due: datetime, done: datetime | None) -> Deadline:
        return Deadline(kind, due, done, (local_date(due, zone) - today).days)

    return [one("acknowledge", case.acknowledge_due_at, case.acknowledged_at),
            one("feedback", case.feedback_due_at, case.feedback_given_at)]


def _visible_attachments(user: User, opened: OpenCase) -> list[AttachmentView]:
    """The files the user's keys open (a bureau: what was referred to it and
    its own)."""
    return list_attachments(db.session, opened.case, opened.key)


@blueprint.route("/<number>")
@handler_required
def show(user: User, number: str) -> str:
    return case_page(user, number)


def case_page(user: User, number: str, refill: action_forms.Refill | None = None,
              handover_refill: HandoverRefill | None = None) -> str:
    """The case page: summary, deadlines, what is new and the actions that
    apply now at the top; the detail below, folded where it is long. With
    `refill` (or `handover_refill`), that form open again with what was typed
    in it and why it was not done. Opening it marks the reporter's news seen."""
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number)
    case, key = opened.case, opened.key
    news = unread.take_news(db.session, user, case)
    external = external_only(user)
    attachments = _visible_attachments(user, opened)
    report = {} if external else read_report(key, case)
    # The persons concerned and the repeat signal (a look-up, audit-logged).
    concerned, repeats = (([], {}) if external
                          else persons.lookup_repeats(db.session, rt, user, case, key))
    context: dict[str, Any] = {
        "case": case, "external": external, "attachments": attachments,
        "notes": read_notes(db.session, case, key, user),
        "note_form": NoteForm(), "form": EmptyForm(),
        "deadline_days": rt.settings.acknowledge_days,
        "deadline_months": rt.settings.feedback_months,
        "deadlines": [] if case.state == State.CLOSED else deadlines(case, utcnow()),
        "news": [labels.UNREAD_LABELS[kind] for kind in news],
        "holders": handover.current_holders(db.session, case),
        "colleagues": handover.colleagues(db.session, case, user),
        "handover_refill": handover_refill,
        # The actions the user may take, each with the fields the workflow
        # table declares for it and their options (in the user's language).
        "actions": action_forms.action_forms(
            db.session, case, workflow.available_actions(case, user), report, attachments,
            rt.settings.default_locale, refill, persons=concerned),
        "persons_concerned": concerned, "repeat_counts": repeats,
    }
    if external:
        found = workflow.referral_package(db.session, case, key, user.unit_id)
        context["package"] = found[1] if found else {"report": {}}
        context["package_items"] = report_items(db.session, context["package"]["report"],
                                                names_visible=False)
    else:
        context.update(
            report=report, report_items=report_items(db.session, report),
            identity=read_identity(key, case),
            identity_withheld=(case.identity_ciphertext is not None
                               and not key.has(IDENTITY)),
            messages=read_messages(db.session, case, key), message_form=MessageForm(),
            feedback_owed=workflow.feedback_owed(case),
            minutes=read_minutes(db.session, case, key),
            minutes_form=NewMinutesForm(prefix=NEW_MINUTES_PREFIX),
            revision_form=lambda m: MinutesForm(prefix=revision_prefix(m.id)),
            has_mailbox=minutes.has_mailbox(db.session, case),
            timeline=timeline(case),
            restrictions=conflicts.restrictions(db.session, case),
            may_exclude=user.has_role(Role.INTAKE, Role.IC),
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
    if getattr(request, "upload_overflow", False):
        raise UploadTooLarge
    upload = request.files.get("report_file")
    if upload is not None and upload.filename:
        # The same allow-list and cleaning as a reporter's files: checked,
        # pictures re-encoded, still pending until the action keeps it.
        [checked] = collect_files([upload])
        params["report_file"] = checked.as_upload()
    return params


@blueprint.route("/<number>/actie/<action>", methods=["POST"])
@accepts_uploads
@handler_required
def act(user: User, number: str, action: str) -> BaseResponse | tuple[str, int]:
    check_csrf()
    rt = runtime()
    case = case_or_404(number)
    if not custody.holds(db.session, case, user) or conflicts.is_restricted(db.session, case,
                                                                            user):
        # Before any other check: a non-holder learns nothing, not even
        # whether the action would fit their role.
        record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.CASE_ACT,
                     object_type="case", object_id=case.number, result="denied")
        abort(404)
    try:
        params = action_forms.with_defaults(action, _params(), rt.settings.default_locale)
    except (UploadRefused, UploadTooLarge) as error:
        # Nothing was done and no file kept: the form again, with what was typed.
        refill = action_forms.Refill(action, request.form.to_dict(), message_for(error))
        return case_page(user, number, refill), error.status
    try:
        workflow.perform(db.session, rt, case, user, current_private_key(), action, **params)
    except workflow.TransitionNotAllowed as error:
        record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.CASE_ACT,
                     object_type="case", object_id=case.number, result="denied")
        if not isinstance(error, Conflict):
            # Not a holder, restricted, deleted, unknown action (404) or the
            # wrong role (403): the bare status page, nothing about the case.
            abort(error.status)
        flash(message_for(error), "error")
        return redirect(url_for("cases.show", number=number))
    except (workflow.WorkflowError, UploadTooLarge) as error:
        # CaseChanged or RequirementMissing (nothing was written), or a file
        # larger than allowed.
        if getattr(error, "code", "") == "not_endorsed":
            record_event(db.session, rt, actor=f"user:{user.id}",
                         action=AuditAction.KEYS_WRAP_REFUSED, object_type="case",
                         object_id=case.number, result="denied")
        flash(message_for(error), "error")
        return redirect(url_for("cases.show", number=number))
    # What happened, in the words of the case's timeline ("Receipt acknowledged").
    flash(labels.audit_action_label(workflow.TRANSITIONS[action].audit_action), "success")
    if workflow.TRANSITIONS[action].hands_off and not custody.holds(db.session, case, user):
        return redirect(url_for("cases.my_cases"))
    return redirect(url_for("cases.show", number=number))


@blueprint.route("/<number>/berichten", methods=["POST"])
@handler_required
def send_message(user: User, number: str) -> BaseResponse | str:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.CASE_MESSAGE_READ_FOR_REPLY)
    if external_only(user):
        abort(403)  # the bureau asks its questions through the IC
    form = MessageForm()
    if not form.validate_on_submit():
        flash(_("Write a message before sending (at most 20,000 characters)."), "error")
        return redirect(url_for("cases.show", number=number))
    send_message_to_reporter(db.session, rt, opened.case, opened.key, user,
                             form.body.data or "", as_feedback=bool(form.as_feedback.data),
                             sign=bool(form.sign.data))
    flash(_("Your message has been placed in the reporter's mailbox."), "success")
    return redirect(url_for("cases.show", number=number))


@blueprint.route("/<number>/notities", methods=["POST"])
@handler_required
def note(user: User, number: str) -> BaseResponse:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.CASE_OPEN_FOR_ACTION)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("Write a note before saving (at most 20,000 characters)."), "error")
        return redirect(url_for("cases.show", number=number))
    visibility = "referral" if external_only(user) else form.visibility.data
    write_note(db.session, rt, opened.case, opened.key, user, form.body.data or "", visibility)
    flash(_("Your note has been saved."), "success")
    return redirect(url_for("cases.show", number=number))


def _download_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "bijlage"
    return cleaned[:120]


@blueprint.route("/<number>/bijlagen/<int:attachment_id>")
@handler_required
def download(user: User, number: str, attachment_id: int) -> Response:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action=AuditAction.ATTACHMENT_DOWNLOAD)
    attachment = db.session.get(Attachment, attachment_id)
    # An attachment id of another case, or not referred to this bureau, is
    # treated as non-existent.
    if attachment is None or attachment.case_id != opened.case.id or (
        attachment.id not in {v.id for v in _visible_attachments(user, opened)}
    ):
        abort(404)
    view, chunks = open_attachment(rt, opened.case, opened.key, attachment,
                                   referred=referred_files(db.session, opened.case, opened.key))
    record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.ATTACHMENT_DOWNLOAD,
                 object_type="attachment", object_id=f"{opened.case.number}/{attachment.id}")
    content_type = view.content_type if view.content_type in SAFE_INLINE_TYPES else (
        "application/octet-stream")
    response = Response(stream_with_context(chunks), content_type=content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_download_name(view.name)}"'
    )
    response.headers["Content-Length"] = str(view.size)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response



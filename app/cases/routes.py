"""Staff case pages: my cases, the case page, attachments, access re-grants."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.forms import EmptyForm
from app.cases import custody
from app.cases.access import AwaitingRegrant, open_case
from app.cases.content import add_message, list_attachments, open_attachment, read_identity, read_messages, read_report
from app.cases.forms import MessageForm
from app.extensions import db
from app.models import Attachment, Case, KeyWrap, User
from app.models.user import HANDLER_ROLES
from app.web.security import current_private_key, runtime, staff_required

blueprint = Blueprint("cases", __name__, url_prefix="/medewerkers/zaken")

handler_required = staff_required(*sorted(HANDLER_ROLES))

# Types a browser may show inline without risk; everything else downloads
# as an opaque file.
SAFE_INLINE_TYPES = {"image/jpeg", "image/png", "application/pdf", "text/plain"}


@blueprint.errorhandler(AwaitingRegrant)
def _awaiting_regrant(error: AwaitingRegrant) -> tuple[str, int]:
    return render_template("cases/awaiting_regrant.html", case=error.case), 403


@blueprint.route("/")
@handler_required
def my_cases(user: User) -> str:
    cases = db.session.scalars(
        select(Case).join(KeyWrap, KeyWrap.case_id == Case.id)
        .where(KeyWrap.user_id == user.id, Case.shredded_at.is_(None))
        .order_by(Case.acknowledge_due_at)
    ).all()
    return render_template("cases/my_cases.html", cases=cases)


@blueprint.route("/<number>")
@handler_required
def show(user: User, number: str) -> str:
    rt = runtime()
    opened = open_case(db.session, rt, user, current_private_key(), number)
    case, key = opened.case, opened.key
    return render_template(
        "cases/case.html",
        case=case,
        report=read_report(key, case),
        identity=read_identity(key, case),
        messages=read_messages(db.session, case, key),
        attachments=list_attachments(db.session, case, key),
        message_form=MessageForm(),
    )


@blueprint.route("/<number>/berichten", methods=["POST"])
@handler_required
def send_message(user: User, number: str) -> BaseResponse | str:
    rt = runtime()
    form = MessageForm()
    if not form.validate_on_submit():
        flash(_("Write a message before sending (at most 20,000 characters)."), "error")
        return redirect(url_for("cases.show", number=number))
    opened = open_case(db.session, rt, user, current_private_key(), number,
                       action="case.message_read_for_reply")
    add_message(db.session, opened.case, opened.key, form.body.data or "",
                author_kind="staff", author=user)
    rt.audit.record(db.session, actor=f"user:{user.id}", action="case.message_sent",
                    object_type="case", object_id=opened.case.number)
    db.session.commit()
    flash(_("Your message has been placed in the reporter's mailbox."), "success")
    return redirect(url_for("cases.show", number=number))


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
    # An attachment id of another case is treated as non-existent.
    if attachment is None or attachment.case_id != opened.case.id:
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

"""The staff case pages' blueprint and what its topic modules share: the
handler checks, CSRF on plain POSTs, and the page for a case awaiting a re-grant.

The routes live by topic: queue, case_page, minutes, case_access, registration,
case_persons (persons concerned, hearings, data-subject requests).
What may happen to a case is decided by the transition table in app/cases/workflow.py.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    render_template,
)
from sqlalchemy import select

from app.cases.access import AwaitingRegrant
from app.models import Case, User
from app.vocabulary import HANDLER_ROLES, AuditAction, Role
from app.web import labels
from app.web.extensions import db
from app.web.forms import EmptyForm
from app.web.security import staff_required
from app.web.staff import choices

blueprint = Blueprint("cases", __name__, url_prefix="/medewerkers/zaken")

handler_required = staff_required(*sorted(HANDLER_ROLES))
registrar_required = staff_required(Role.INTAKE, Role.VP)
vp_required = staff_required(Role.VP)

# Types a browser may show inline without risk; everything else downloads
# as an opaque file.
SAFE_INLINE_TYPES = {"image/jpeg", "image/png", "application/pdf", "text/plain"}
# Reads are logged too, but the timeline shows what happened, not who looked.
TIMELINE_SKIP = {AuditAction.CASE_OPEN, AuditAction.CASE_MESSAGE_READ_FOR_REPLY,
                 AuditAction.ATTACHMENT_DOWNLOAD,
                 AuditAction.CASE_OPEN_FOR_ACTION, AuditAction.CASE_FILE_EXPORTED}
CHUNK = 64 * 1024
# Form fields that are not workflow parameters: the names of perform()'s own
# arguments would clash with them (a TypeError, or a forged audit `origin`).
RESERVED_FORM_NAMES = {"csrf_token", "fields", "attachment_ids", "session", "rt", "case",
                       "actor", "private_key", "action", "origin"}


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {**labels.TEMPLATE_HELPERS, **labels.PERSON_HELPERS,
            "category_label": choices.category_label}


@blueprint.errorhandler(AwaitingRegrant)
def _awaiting_regrant(error: AwaitingRegrant) -> tuple[str, int]:
    return render_template("cases/awaiting_regrant.html", case=error.case), 403


def check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def external_only(user: User) -> bool:
    """An external investigator sees only what was referred to their bureau."""
    return user.roles <= {Role.EXTERNAL}


def case_or_404(number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.number == number))
    if case is None:
        abort(404)
    return case

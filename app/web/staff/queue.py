"""The staff queue: the cases a handler holds, by tab, sort, unit and track."""

from __future__ import annotations

from flask import (
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from app.cases import queues
from app.models import User
from app.web import labels, typology_labels
from app.web.extensions import db
from app.web.staff import choices
from app.web.staff.case_blueprint import (
    blueprint,
    handler_required,
)

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
        filters=queues.QueueFilter(
            unit_id=int(unit) if unit.isascii() and unit.isdigit() and len(unit) < 10 else None,
            track=request.args.get("spoor") or None,
            in_state=request.args.get("status") or None,
            category=request.args.get("categorie") or None,
            deadline=request.args.get("termijn") or None,
        ),
    )
    return _render(result)


def _render(result: queues.QueuePage, searched: str | None = None) -> str:
    return render_template("cases/queue.html", q=result, tabs=queues.TABS,
                           count_cap=queues.COUNT_CAP,
                           tab_labels=labels.TAB_LABELS, sorts=list(queues.SORTS),
                           unread_labels=labels.UNREAD_LABELS,
                           units=choices.unit_choices(db.session),
                           tracks=list(labels.TRACK_LABELS.items()),
                           states=list(labels.STATE_LABELS.items()),
                           categories=typology_labels.category_choices(),
                           category_label=typology_labels.label_for, searched=searched)


@blueprint.route("/zoek")
@handler_required
def search(user: User) -> str | Response:
    """Go to the case with the typed number, or say none was found (also
    for a case the user may not see: the answer tells nothing)."""
    typed = request.args.get("nummer", "")[:80]
    case = queues.find(db.session, user, typed)
    if case is not None:
        return redirect(url_for("cases.show", number=case.number))
    return _render(queues.queue(db.session, user), searched=typed)



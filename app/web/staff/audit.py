"""The auditor's view of the audit log: filters and CSV export, no content.

Open to the auditor and the ICC. Viewing and exporting are themselves logged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.audit.events import record_event
from app.audit.log import AuditLog
from app.localtime import start_of_day
from app.models import AuditEntry, User
from app.vocabulary import AuditAction, Role
from app.web import labels
from app.web.extensions import db
from app.web.security import runtime, staff_required
from app.web.stats_export import spreadsheet_safe

blueprint = Blueprint("audit", __name__, url_prefix="/medewerkers/audit")

auditor_required = staff_required(Role.AUDITOR, Role.ICC)
PAGE_SIZE = 50
EXPORT_LIMIT = 200_000


def _date(text: str | None) -> date | None:
    try:
        return datetime.strptime(text or "", "%Y-%m-%d").date()
    except ValueError:
        return None


def filtered_query(args: Mapping[str, str]) -> tuple[Select, dict[str, str]]:
    """Entries matching the filters in `args`, newest first."""
    # Printable characters only: PostgreSQL refuses a NUL in a parameter.
    filters = {name: "".join(ch for ch in (args.get(name) or "") if ch.isprintable()).strip()[:80]
               for name in ("from", "to", "actor", "action", "case")}
    query = select(AuditEntry)
    # Days on the organisation's calendar, "to" included.
    zone = runtime().settings.zone
    start, end = _date(filters["from"]), _date(filters["to"])
    if start:
        query = query.where(AuditEntry.at >= start_of_day(start, zone))
    if end:
        query = query.where(AuditEntry.at < start_of_day(end + timedelta(days=1), zone))
    if filters["actor"]:
        query = query.where(AuditEntry.actor == filters["actor"])
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["case"]:
        query = query.where(AuditEntry.object_type.in_(("case", "attachment")),
                            AuditEntry.object_id.startswith(filters["case"]))
    return query.order_by(AuditEntry.seq.desc()), filters


def _people() -> dict[str, str]:
    """Every account as the log names its actor ("user:<id>"), in words."""
    return {f"user:{person.id}": labels.person_label(person.display_name, person.roles)
            for person in db.session.scalars(select(User).order_by(User.display_name))}


Describe = tuple[Callable[[str], str], Callable[[AuditEntry], str]]


def _describer(people: Mapping[str, str]) -> Describe:
    """How the page names an actor and an entry's object: people by name and
    role, the rest in words; a code the page does not know stays as it is."""

    def actor(code: str) -> str:
        return people.get(code) or str(labels.AUDIT_ACTOR_LABELS.get(code, code))

    def target(code: str) -> str:
        kind, _sep, value = code.partition(":")
        if kind == "role":
            return str(labels.role_label(value)) if value != "*" else str(_("every role"))
        return people.get(code, code)

    def subject(entry: AuditEntry) -> str:
        if entry.object_type == "user" and f"user:{entry.object_id}" in people:
            text = people[f"user:{entry.object_id}"]
        else:
            text = f"{labels.audit_object_label(entry.object_type)} {entry.object_id}".strip()
        if not entry.target:
            return text
        return f"{text} → {', '.join(target(code) for code in entry.target.split(','))}"

    return actor, subject


@blueprint.route("/")
@auditor_required
def index(user: User) -> str:
    query, filters = filtered_query(request.args)
    # Bounded: a 30-digit page number would overflow the database's OFFSET.
    page = min(max(1, request.args.get("pagina", 1, type=int) or 1), 10**6)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    entries = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(
        AuditEntry.action)).all()
    rt = runtime()
    record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.AUDIT_VIEWED,
                 object_type="audit", object_id=f"page {page}")
    head = AuditLog.head(db.session)
    people = _people()
    actor_label, object_label = _describer(people)
    actors = [*people.items(), *((code, str(text))
                                  for code, text in labels.AUDIT_ACTOR_LABELS.items())]
    return render_template("audit/index.html", entries=entries, filters=filters, page=page,
                           pages=max(1, -(-(total or 0) // PAGE_SIZE)), total=total,
                           actions=actions, head=head, actors=actors,
                           actor_label=actor_label, object_label=object_label,
                           action_label=labels.audit_action_label,
                           day_only=rt.audit.day_only,
                           result_label=labels.audit_result_label,
                           origin_label=labels.audit_origin_label)


@blueprint.route("/export.csv")
@auditor_required
def export(user: User) -> Response:
    query, filters = filtered_query(request.args)
    rt = runtime()
    record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.AUDIT_EXPORTED,
                 object_type="export", object_id="audit.csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["seq", "time_utc", "actor", "action", "object_type", "object_id",
                     "target", "result", "origin", "entry_hash"])
    for entry in db.session.scalars(query.limit(EXPORT_LIMIT)):
        # The reporter's entries say the day only (on the organisation's
        # calendar): their order is in `seq`.
        day = rt.audit.day_only(entry)
        writer.writerow([spreadsheet_safe(v) for v in (
            entry.seq, day.isoformat() if day else entry.at.isoformat(timespec="seconds"),
            entry.actor, entry.action,
            entry.object_type, entry.object_id, entry.target, entry.result, entry.origin,
            # Empty until the sealer has linked the entry into the chain.
            entry.entry_hash or "")])
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response

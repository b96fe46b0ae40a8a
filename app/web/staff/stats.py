"""The statistics page and its exports. The ICC sees every unit; an IC or a
vertrouwenspersoon sees their own unit. An external or central
vertrouwenspersoon has no unit of their own to count: their figures are their
VP annual report (app/web/staff/vp_report.py). Every view and export is
logged."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.audit.events import record_event
from app.models import Unit, User, utcnow
from app.stats.charts import bar_chart
from app.stats.report import YearReport, build_report
from app.vocabulary import AuditAction, Role, UnitKind
from app.web.extensions import db
from app.web.security import runtime, staff_required
from app.web.stats_export import BOM, to_csv, to_json
from app.web.stats_labels import cell, decimal, definitions, label, percent, title

blueprint = Blueprint("stats", __name__, url_prefix="/medewerkers/statistiek")

STATS_ROLES = (Role.ICC, Role.IC, Role.VP)
# Tables whose rows are the organisation's units: Dutch names on any page.
UNIT_TABLES = ("received_by_unit_channel", "vp_signals_by_unit")
stats_required = staff_required(*STATS_ROLES)
FORMATS = {"csv": ("text/csv; charset=utf-8", lambda report: BOM + to_csv(report)),
           "json": ("application/json", to_json)}


def _scope(user: User) -> tuple[int, int | None]:
    """The year asked for and the unit this user may see (None = all)."""
    this_year = utcnow().astimezone(runtime().settings.zone).year
    year = request.args.get("jaar", this_year, type=int) or this_year
    if not 2000 <= year <= this_year + 1:
        abort(404)
    if user.has_role(Role.ICC):
        unit_id = request.args.get("eenheid", type=int)
        if unit_id is not None and not 0 <= unit_id <= 2**31 - 1:
            abort(404)  # beyond any database id (SQLite would overflow)
        return year, unit_id or None
    return year, user.unit_id


def _counsellor_without_unit(user: User) -> bool:
    """A VP of the external pool or the central unit, with no IC role."""
    return (user.has_role(Role.VP) and not user.has_role(Role.ICC, Role.IC)
            and user.unit.kind != UnitKind.UNIT)


def _report(user: User, year: int, unit_id: int | None) -> YearReport:
    rt = runtime()
    return build_report(db.session, year, rt.settings.stats_threshold, unit_id,
                        zone=rt.settings.zone)


def _charts(report: YearReport) -> list[tuple[str, Markup]]:
    """Each chart with its title, the caption of its figure."""
    trend = report.tables["trend_received"]
    category = report.tables["received_by_category"]
    total_col = category.cols
    return [
        (title("trend_received"), bar_chart(title("trend_received"), [
            (trend.row_labels[i], trend.published(i, trend.cols), trend.display(i, trend.cols))
            for i in range(trend.rows)])),
        (title("received_by_category"), bar_chart(title("received_by_category"), [
            (label(category.row_labels[i]), category.published(i, total_col),
             category.display(i, total_col)) for i in range(category.rows)])),
    ]


@blueprint.route("/")
@stats_required
def page(user: User) -> str | BaseResponse:
    year, unit_id = _scope(user)
    if _counsellor_without_unit(user):
        return redirect(url_for("vp_report.own", jaar=year))
    report = _report(user, year, unit_id)
    rt = runtime()
    record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.STATS_VIEWED,
                 object_type="stats", object_id=f"{year}/{unit_id or 'all'}")
    # The ministry's units: not the pool of external counsellors, the home
    # of central ones or an external bureau.
    units = db.session.scalars(select(Unit).where(Unit.kind == UnitKind.UNIT).order_by(Unit.name)
                               ).all() if user.has_role(Role.ICC) else []
    return render_template("stats/page.html", report=report, charts=_charts(report),
                           label=label, title=title, cell=cell, percent=percent,
                           decimal=decimal, definitions=definitions(), units=units,
                           year=year, unit_id=unit_id, unit_tables=UNIT_TABLES)


@blueprint.route("/export.<fmt>")
@stats_required
def export(user: User, fmt: str) -> BaseResponse:
    if fmt not in FORMATS:
        abort(404)
    year, unit_id = _scope(user)
    if _counsellor_without_unit(user):
        return redirect(url_for("vp_report.own_export", fmt=fmt, jaar=year))
    report = _report(user, year, unit_id)
    rt = runtime()
    record_event(db.session, rt, actor=f"user:{user.id}", action=AuditAction.STATS_EXPORTED,
                 object_type="export", object_id=f"{year}/{unit_id or 'all'}.{fmt}")
    content_type, render = FORMATS[fmt]
    response = Response(render(report), content_type=content_type)
    suffix = f"-eenheid-{unit_id}" if unit_id else ""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="meldpunt-statistiek-{year}{suffix}.{fmt}"')
    return response

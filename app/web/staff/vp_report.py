"""The VP annual report (seed 000 §28). A vertrouwenspersoon sees, prints
and exports their own report and writes their account of the year; the ICC
sees every VP's report and the integrated one, and exports them. Nobody
else sees it. Every view, export and save is audit-logged."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from app.audit.events import record_event
from app.models import User, utcnow
from app.stats.charts import bar_chart
from app.stats.vp_report import (
    NARRATIVE_MAX,
    CounsellorReport,
    NarrativeRefused,
    build_counsellor_report,
    build_integrated_report,
    counsellor,
    counsellors,
    save_narrative,
    valid_year,
)
from app.vocabulary import AuditAction, Role
from app.web.extensions import db
from app.web.forms import Form
from app.web.messages import message_for
from app.web.security import runtime, staff_required
from app.web.stats_export import BOM
from app.web.stats_labels import cell
from app.web.vp_report_export import vp_report_csv, vp_report_json
from app.web.vp_report_labels import definitions, kind_label, label, row_label, title

blueprint = Blueprint("vp_report", __name__, url_prefix="/medewerkers/vp-jaarverslag")

vp_required = staff_required(Role.VP)
icc_required = staff_required(Role.ICC)
# As the annual figures: a byte order mark so that Excel reads the UTF-8.
FORMATS = {"csv": ("text/csv; charset=utf-8", lambda report: BOM + vp_report_csv(report)),
           "json": ("application/json", vp_report_json)}


class NarrativeForm(Form):
    jaar = HiddenField()
    body = TextAreaField(_l("Your account of the year"),
                         validators=[Length(max=NARRATIVE_MAX)],
                         render_kw={"rows": 12})


def _year() -> int:
    """The year asked for (this year by default)."""
    zone = runtime().settings.zone
    this_year = utcnow().astimezone(zone).year
    year = request.args.get("jaar", this_year, type=int) or this_year
    if not valid_year(year, zone):
        abort(404)
    return year


def _log(user: User, action: AuditAction, object_id: str) -> None:
    record_event(db.session, runtime(), actor=f"user:{user.id}", action=action,
                 object_type="vp_report", object_id=object_id)


def _own(user_id: int, year: int) -> CounsellorReport:
    settings = runtime().settings
    return build_counsellor_report(db.session, year, settings.stats_threshold, user_id,
                                   zone=settings.zone)


def _of(user_id: int, year: int) -> CounsellorReport:
    """A VP's report as the ICC asks for it (404 for anyone who is not a VP)."""
    person = counsellor(db.session, user_id)
    if person is None:
        abort(404)
    return _own(person.id, year)


def _integrated(year: int) -> CounsellorReport:
    settings = runtime().settings
    return build_integrated_report(db.session, year, settings.stats_threshold,
                                   zone=settings.zone)


# Tables whose rows are the organisation's units: Dutch names on any page.
UNIT_TABLES = ("vp_by_unit", "vp_by_unit_kind")


def _charts(report: CounsellorReport) -> list[tuple[str, Markup]]:
    """Each chart with its title, the caption of its figure."""
    charts = []
    for key in ("vp_by_unit", "vp_by_category"):
        table = report.tables[key]
        total = table.cols
        charts.append((title(key), bar_chart(title(key), [
            (row_label(key, table.row_labels[i]), table.published(i, total),
             table.display(i, total))
            for i in range(table.rows) if table.grid[i][total]],
            labels_lang="nl" if key in UNIT_TABLES else None)))
    return charts


def _render(report: CounsellorReport, year: int, **context: object) -> str:
    template = "stats/vp_integrated.html" if report.counsellor is None else "stats/vp_report.html"
    context.setdefault("form", None)
    return render_template(
        template, report=report, year=year, charts=_charts(report),
        label=label, row_label=row_label, title=title, kind_label=kind_label, cell=cell,
        unit_tables=UNIT_TABLES,
        definitions=definitions(), **context)


def _export(report: CounsellorReport, fmt: str, user: User, object_id: str,
            filename: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    _log(user, AuditAction.VP_REPORT_EXPORTED, f"{object_id}.{fmt}")
    content_type, render = FORMATS[fmt]
    response = Response(render(report), content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# --- the VP's own report ---------------------------------------------------------------


@blueprint.route("/mijn")
@vp_required
def own(user: User) -> str:
    year = _year()
    report = _own(user.id, year)
    _log(user, AuditAction.VP_REPORT_VIEWED, f"{year}/user:{user.id}")
    form = NarrativeForm(jaar=str(year),
                         body=report.narrative.body if report.narrative else "")
    return _render(report, year, form=form, export_endpoint="vp_report.own_export",
                   export_args={})


@blueprint.route("/mijn/export.<fmt>")
@vp_required
def own_export(user: User, fmt: str) -> Response:
    year = _year()
    return _export(_own(user.id, year), fmt, user, f"{year}/user:{user.id}",
                   f"vp-jaarverslag-{year}")


@blueprint.route("/mijn/verslag", methods=["POST"])
@vp_required
def save(user: User) -> BaseResponse:
    form = NarrativeForm()
    year = form.jaar.data if (form.jaar.data or "").isdigit() else ""
    if not form.validate_on_submit() or not year:
        abort(400)
    try:
        save_narrative(db.session, runtime(), user, int(year), form.body.data or "")
    except NarrativeRefused as error:
        flash(message_for(error), "error")
    else:
        flash(_("Your account of the year has been saved."), "success")
    return redirect(url_for("vp_report.own", jaar=year))


# --- the ICC ---------------------------------------------------------------------------


@blueprint.route("/")
@icc_required
def integrated(user: User) -> str:
    year = _year()
    report = _integrated(year)
    _log(user, AuditAction.VP_REPORT_VIEWED, f"{year}/all")
    return _render(report, year, counsellors=counsellors(db.session),
                   export_endpoint="vp_report.integrated_export", export_args={})


@blueprint.route("/export.<fmt>")
@icc_required
def integrated_export(user: User, fmt: str) -> Response:
    year = _year()
    return _export(_integrated(year), fmt, user, f"{year}/all", f"vp-jaarverslag-{year}")


@blueprint.route("/vp/<int:user_id>")
@icc_required
def of_counsellor(user: User, user_id: int) -> str:
    year = _year()
    report = _of(user_id, year)
    _log(user, AuditAction.VP_REPORT_VIEWED, f"{year}/user:{user_id}")
    return _render(report, year, export_endpoint="vp_report.of_counsellor_export",
                   export_args={"user_id": user_id})


@blueprint.route("/vp/<int:user_id>/export.<fmt>")
@icc_required
def of_counsellor_export(user: User, user_id: int, fmt: str) -> Response:
    year = _year()
    return _export(_of(user_id, year), fmt, user, f"{year}/user:{user_id}",
                   f"vp-jaarverslag-{year}-vp-{user_id}")

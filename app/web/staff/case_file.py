"""The case file to print or save (app/cases/casefile.py): one page with
everything the user's keys open, and a print stylesheet. Rendered in memory
for this response only; the browser prints it or saves it as PDF."""

from __future__ import annotations

from flask import render_template

from app.cases.casefile import case_file as build_case_file
from app.models import User
from app.web.extensions import db
from app.web.report_view import report_items
from app.web.security import current_private_key, runtime
from app.web.staff.case_blueprint import blueprint, handler_required
from app.web.staff.case_page import timeline


@blueprint.route("/<number>/dossier")
@handler_required
def case_file(user: User, number: str) -> str:
    dossier = build_case_file(db.session, runtime(), user, current_private_key(), number)
    package = dossier.package or {}
    return render_template(
        "cases/case_file.html", f=dossier, case=dossier.case,
        report_items=report_items(db.session, dossier.report),
        package_items=report_items(db.session, package.get("report", {}), names_visible=False),
        timeline=[] if dossier.external else timeline(dossier.case))

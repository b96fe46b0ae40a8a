"""CSV and JSON exports of the VP annual report, in the user's language:
what is suppressed stays suppressed, and every export carries its
definitions and threshold (as app/web/stats_export.py does for the annual
figures)."""

from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _

from app.stats.disclosure import HIDDEN, ProtectedTable
from app.stats.vp_report import CounsellorReport
from app.web.stats_export import _safe
from app.web.vp_report_labels import definitions, kind_label, label, row_label, title


def _who(report: CounsellorReport) -> str:
    if report.counsellor is None:
        return _("Integrated report of all confidential counsellors")
    return f"{report.counsellor.name} ({kind_label(report.counsellor.kind)})"


def _table_json(key: str, table: ProtectedTable) -> list[dict]:
    rows = []
    for i in range(table.rows + 1):
        cells = {}
        for j in range(table.cols + 1):
            if table.cols == 1 and j == 1:
                continue
            state = table.status[i][j]
            cells[str(table.col_labels[j]) if j < table.cols else "total"] = {
                "value": table.published(i, j), "suppressed": state if state in HIDDEN else None}
        rows.append({"row": table.row_labels[i] if i < table.rows else "total",
                     "label": row_label(key, table.row_labels[i]) if i < table.rows else _("Total"),
                     "cells": cells})
    return rows


def vp_report_json(report: CounsellorReport) -> str:
    who = report.counsellor
    data = {
        "year": report.year,
        "report": _who(report),
        "counsellor": None if who is None else {
            "name": who.name, "unit": who.unit_name, "kind": who.kind and str(who.kind)},
        "threshold": report.threshold,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "definitions": definitions(),
        "columns": {str(c): label(c) for table in report.tables.values()
                    for c in table.col_labels},
        "tables": {key: {"title": title(key), "rows": _table_json(key, table)}
                   for key, table in report.tables.items()},
        "narratives": [{"counsellor": c.name, "kind": c.kind and str(c.kind), "text": n.body}
                       for c, n in _narratives(report)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _narratives(report: CounsellorReport) -> list:
    if report.counsellor is not None:
        return [(report.counsellor, report.narrative)] if report.narrative else []
    return list(report.narratives)


def vp_report_csv(report: CounsellorReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Meldpunt", _("Confidential counsellors' annual report %(year)s",
                                   year=report.year), _safe(_who(report)),
                     _("threshold %(t)s", t=report.threshold)])
    writer.writerow([_("Definitions")])
    for definition in definitions():
        writer.writerow([_safe(definition)])
    for key, table in report.tables.items():
        writer.writerow([])
        writer.writerow([_safe(title(key))])
        totals = table.cols > 1
        header = ["", *(label(c) for c in table.col_labels), *([_("Total")] if totals else [])]
        writer.writerow([_safe(h) for h in header])
        for i in range(table.rows + 1):
            name = row_label(key, table.row_labels[i]) if i < table.rows else _("Total")
            values = [table.display(i, j) for j in range(table.cols + (1 if totals else 0))]
            writer.writerow([_safe(name), *values])
    for counsellor, narrative in _narratives(report):
        writer.writerow([])
        writer.writerow([_safe(_("Account of the year by %(name)s", name=counsellor.name))])
        writer.writerow([_safe(narrative.body)])
    return out.getvalue()

"""CSV and JSON exports of the VP annual report, in the user's language:
what is suppressed stays suppressed, and every export carries its
definitions and threshold. Tables, cells and the CSV format (";" in Dutch,
spreadsheet-safe cells) are the annual figures' (app/web/stats_export.py)."""

from __future__ import annotations

import json
from functools import partial

from flask_babel import gettext as _

from app.stats.disclosure import ProtectedTable
from app.stats.vp_report import CounsellorReport
from app.web.stats_export import csv_rows, table_csv, table_json
from app.web.vp_report_labels import definitions, kind_label, label, row_label, title


def _who(report: CounsellorReport) -> str:
    if report.counsellor is None:
        return _("Integrated report of all confidential counsellors")
    return f"{report.counsellor.name} ({kind_label(report.counsellor.kind)})"


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
        "tables": {key: {"title": title(key), "rows": _rows_json(key, table)}
                   for key, table in report.tables.items()},
        "narratives": [{"counsellor": c.name, "kind": c.kind and str(c.kind), "text": n.body}
                       for c, n in _narratives(report)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _rows_json(key: str, table: ProtectedTable) -> list[dict]:
    return table_json(table, partial(row_label, key), _("Total"))[1]


def _narratives(report: CounsellorReport) -> list:
    if report.counsellor is not None:
        return [(report.counsellor, report.narrative)] if report.narrative else []
    return list(report.narratives)


def vp_report_csv(report: CounsellorReport) -> str:
    out, row = csv_rows()
    row("Meldpunt", _("Confidential counsellors' annual report %(year)s", year=report.year),
        _who(report), _("threshold %(t)s", t=report.threshold))
    row(_("Definitions"))
    for definition in definitions():
        row(definition)
    for key, table in report.tables.items():
        table_csv(row, title(key), table, label, partial(row_label, key), _("Total"))
    for counsellor, narrative in _narratives(report):
        row()
        row(_("Account of the year by %(name)s", name=counsellor.name))
        row(narrative.body)
    return out.getvalue()

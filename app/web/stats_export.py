"""CSV and JSON exports of a year report: what is suppressed stays suppressed,
and every export carries its definitions, threshold and method."""

from __future__ import annotations

import csv
import io
import json

from app.stats.disclosure import HIDDEN
from app.stats.report import YearReport
from app.web.stats_labels import definitions, label, title

METHOD = ("Cells with a count from 1 to threshold-1 are shown as '< threshold' (primary "
          "suppression); cells marked 'x' are hidden so that no hidden cell can be derived "
          "from the totals or from another table of this export (secondary suppression).")


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_json(report: YearReport) -> str:
    tables = {}
    for key, table in report.tables.items():
        rows = []
        for i in range(table.rows + 1):
            code = table.row_labels[i] if i < table.rows else "total"
            cells = {}
            for j in range(table.cols + 1):
                if table.cols == 1 and j == 1:
                    continue
                col = table.col_labels[j] if j < table.cols else "total"
                state = table.status[i][j]
                cells[col] = {"value": table.published(i, j),
                              "suppressed": state if state in HIDDEN else None}
            rows.append({"row": code, "cells": cells})
        tables[key] = {"title": title(key), "rows": rows}
    data = {
        "year": report.year,
        "unit": report.unit_name or "all units",
        "threshold": report.threshold,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "method": METHOD,
        "definitions": definitions(),
        "tables": tables,
        "timeliness": {
            **{share.key: {"percent": share.percent, "base": None if share.suppressed
                           else share.denominator} for share in report.shares},
            "median_days_to_close": report.median_days_to_close,
            "p90_days_to_close": report.p90_days_to_close,
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(report: YearReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Meldpunt", f"year {report.year}", _safe(report.unit_name or "all units"),
                     f"threshold {report.threshold}"])
    writer.writerow([METHOD])
    for definition in definitions():
        writer.writerow([_safe(definition)])
    for key, table in report.tables.items():
        writer.writerow([])
        writer.writerow([_safe(title(key))])
        show_totals = table.cols > 1
        header = [""] + [label(c) for c in table.col_labels] + (["total"] if show_totals else [])
        writer.writerow([_safe(h) for h in header])
        for i in range(table.rows + 1):
            name = label(table.row_labels[i]) if i < table.rows else "total"
            values = [table.display(i, j) for j in range(table.cols + (1 if show_totals else 0))]
            writer.writerow([_safe(name), *[_safe(v) for v in values]])
    writer.writerow([])
    writer.writerow(["timeliness", "percent", "base"])
    for share in report.shares:
        writer.writerow([label(share.key), "" if share.percent is None else share.percent,
                         "" if share.suppressed else share.denominator])
    writer.writerow(["median days to close", report.median_days_to_close or ""])
    writer.writerow(["90th percentile days to close", report.p90_days_to_close or ""])
    return out.getvalue()

"""CSV and JSON exports of a year report: what is suppressed stays suppressed,
and every export carries its definitions, threshold and method, in the
user's language.

CSV is for people opening it in a spreadsheet: every word in the user's
language and numbers as that language writes them. In Dutch the fields are
separated by ";" (a comma is the Dutch decimal sign, and Excel with Dutch
settings splits on ";"), in English by ",". Counts are written without digit
grouping and shares as "53,3%" / "53.3%", so the spreadsheet reads them as
numbers; hidden numbers are "< 5" or "x". The web export starts with a byte
order mark so that Excel reads the UTF-8.

JSON is for programs: keys and codes stay fixed and numbers are JSON
numbers whatever the language; only the labels, titles, method and
definitions follow the language (named in "language")."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from flask_babel import format_datetime

from app.stats.disclosure import HIDDEN, ProtectedTable
from app.stats.report import YearReport
from app.web.stats_labels import (
    decimal,
    definitions,
    heading,
    label,
    language,
    method,
    percent,
    title,
    word,
)

TOTAL = "total"
# Excel opens a CSV file as UTF-8 only when it starts with this mark.
BOM = "\ufeff"
DELIMITERS = {"nl": ";"}


def spreadsheet_safe(value: object) -> str:
    """A CSV cell that a spreadsheet never reads as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def delimiter() -> str:
    """The field separator a spreadsheet in the user's language expects."""
    return DELIMITERS.get(language(), ",")


Row = Callable[..., None]


def csv_rows() -> tuple[io.StringIO, Row]:
    """A CSV buffer in the user's language and the function that writes one
    spreadsheet-safe row to it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter())

    def row(*cells: Any) -> None:
        writer.writerow([spreadsheet_safe(c) for c in cells])

    return out, row


def _width(table: ProtectedTable) -> int:
    """Published columns: a total column only where there are several."""
    return table.cols + (1 if table.cols > 1 else 0)


def table_csv(row: Row, heading: str, table: ProtectedTable, col_name: Callable[[str], str],
              row_name: Callable[[str], str], total: str, corner: str = "") -> None:
    """One protected table as CSV rows: its heading, the column names, every
    row as published ("< 5", "x" for hidden cells) and the total row."""
    row()
    row(heading)
    row(corner, *[col_name(c) for c in table.col_labels], *([total] if table.cols > 1 else []))
    for i in range(table.rows + 1):
        row(row_name(table.row_labels[i]) if i < table.rows else total,
            *[table.display(i, j) for j in range(_width(table))])


def table_json(table: ProtectedTable, row_name: Callable[[str], str],
               total: str) -> tuple[list[str], list[dict]]:
    """One protected table for programs: the column codes, and per row its
    code, its label and each cell's published value (None when hidden) with
    why it is hidden."""
    col_codes = [str(c) for c in table.col_labels] + ([TOTAL] if table.cols > 1 else [])
    rows = []
    for i in range(table.rows + 1):
        cells = {}
        for j, col in enumerate(col_codes):
            state = table.status[i][j]
            cells[col] = {"value": table.published(i, j),
                          "suppressed": state if state in HIDDEN else None}
        rows.append({"row": table.row_labels[i] if i < table.rows else TOTAL,
                     "label": row_name(table.row_labels[i]) if i < table.rows else total,
                     "cells": cells})
    return col_codes, rows


def _unit_label(report: YearReport) -> str:
    return report.unit_name or word("all_units")


def to_json(report: YearReport) -> str:
    tables = {}
    for key, table in report.tables.items():
        col_codes, rows = table_json(table, label, label(TOTAL))
        tables[key] = {"title": title(key),
                       "columns": [{"code": c, "label": label(c)} for c in col_codes],
                       "rows": rows}
    data = {
        "language": language(),
        "year": report.year,
        "unit": report.unit_name,
        "unit_label": _unit_label(report),
        "threshold": report.threshold,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "method": method(),
        "definitions": definitions(),
        "labels": {key: word(key) for key in ("median_days_to_close", "p90_days_to_close")},
        "tables": tables,
        "timeliness": {
            **{share.key: {"label": label(share.key), "percent": share.percent,
                           "base": None if share.suppressed else share.denominator}
               for share in report.shares},
            "median_days_to_close": report.median_days_to_close,
            "p90_days_to_close": report.p90_days_to_close,
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(report: YearReport) -> str:
    out, row = csv_rows()
    row("Meldpunt", heading(report.year))
    row(word("year"), report.year)
    row(word("unit"), _unit_label(report))
    row(word("threshold"), report.threshold)
    row(word("generated_at"), format_datetime(report.generated_at, "d MMM y HH:mm"))
    row(word("method"), method())
    row(word("definitions"))
    for definition in definitions():
        row(definition)
    for key, table in report.tables.items():
        table_csv(row, title(key), table, label, label, label(TOTAL),
                  corner=word("category") if key == "received_by_category" else "")
    row()
    row(word("timeliness"), word("percent"), word("base"))
    for share in report.shares:
        row(label(share.key), percent(share.percent),
            "x" if share.suppressed else share.denominator)
    row(word("median_days_to_close"), decimal(report.median_days_to_close))
    row(word("p90_days_to_close"), decimal(report.p90_days_to_close))
    return out.getvalue()

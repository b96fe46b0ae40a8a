"""The BENCH_RESULT line every benchmark module prints last, and small statistics."""

from __future__ import annotations

import json
import statistics


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p50 = fraction 0.5)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, int(round(fraction * len(ordered))) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float], unit: str = "ms", digits: int = 1) -> str:
    return f"{min(values):.{digits}f}–{max(values):.{digits}f} {unit}" if values else "no data"


def row(item: int, metric: str, value: float, unit: str, target: str = "",
        ok: bool | None = None, detail: str = "") -> dict:
    return {"item": item, "metric": metric, "value": round(value, 3), "unit": unit,
            "target": target, "ok": ok, "detail": detail}


def emit(module: str, rows: list[dict], notes: str = "") -> None:
    print("BENCH_RESULT " + json.dumps({"module": module, "rows": rows, "notes": notes},
                                       ensure_ascii=False), flush=True)

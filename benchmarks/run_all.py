"""Run every benchmark of issue #11 and write benchmarks/RESULTS.md.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.run_all [--quick] [--only submission,load]

Each module runs as its own process (`python -m benchmarks.<module>
--repeats 5`, or `--quick`) and prints one `BENCH_RESULT {...}` line last;
those lines become one table with the machine, date and git commit. A module
that fails or prints no result gets a row saying so, and this command exits
non-zero after writing the file. The full run is meant to take at most
45 minutes on a 2-core machine (the mixed load alone is 10 of them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Order: the short HTTP ones first, the ten-minute load last.
MODULES = ("submission", "case_page", "queue_page", "history", "attachment_stream",
           "memory_paths", "load")
ITEMS = {
    1: "submission over HTTP, 20 clients", 2: "staff case page", 3: "queue page",
    4: "statistics for one year", 5: "audit verify", 6: "retention sweep",
    7: "200 MB attachment", 8: "mixed load (locust)", 9: "worker memory per path",
}
MARKER = "BENCH_RESULT "
# Per module, full run; a module past it is stopped and reported as failed.
# history: its sweep now deletes full cases with their files (copied afresh
# for each repeat), which takes longer than the metadata-only cases did.
TIMEOUT_MINUTES = {"load": 20, "history": 30}
DEFAULT_TIMEOUT_MINUTES = 15


# --- the machine ------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def postgres_version() -> str:
    try:
        from benchmarks.datagen import postgres_version as version

        return version()
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return f"unknown ({type(exc).__name__})"


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,  # noqa: S603,S607
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def commit() -> str:
    sha = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return f"{sha}{' (dirty: uncommitted changes to tracked files)' if dirty else ''}"


# --- running a module -----------------------------------------------------------------


def run_module(name: str, args: argparse.Namespace, env: dict[str, str]) -> dict:
    """Run one module; its parsed BENCH_RESULT plus exit code and time."""
    command = [sys.executable, "-m", f"benchmarks.{name}"]
    command += ["--quick"] if args.quick else ["--repeats", str(args.repeats)]
    minutes = TIMEOUT_MINUTES.get(name, DEFAULT_TIMEOUT_MINUTES)
    print(f"== {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    errors: list[str] = []

    def read(stream, into: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            into.append(line)
            del into[:-200]  # the tail is enough
            sys.stderr.write(line)

    readers = [threading.Thread(target=read, args=(process.stdout, lines), daemon=True),
               threading.Thread(target=read, args=(process.stderr, errors), daemon=True)]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        process.wait(timeout=minutes * 60)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for reader in readers:
        reader.join(timeout=10)
    result: dict = {"module": name, "rows": [], "notes": ""}
    found = False
    for line in reversed(lines):
        if line.startswith(MARKER):
            try:
                result = json.loads(line[len(MARKER):])
                found = True
            except json.JSONDecodeError:
                pass
            break
    result["exit_code"] = process.returncode
    result["seconds"] = time.monotonic() - start
    result["timed_out"] = timed_out
    result["found"] = found
    result["stderr_tail"] = " / ".join(line.strip() for line in errors[-3:] if line.strip())
    result["failed"] = timed_out or process.returncode != 0 or not found or not result["rows"]
    return result


# --- the report ---------------------------------------------------------------------------


def fmt_value(value: object, unit: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value} {unit}".strip()
    if value != value:  # NaN
        return "–"
    if float(value).is_integer():
        text = f"{int(value)}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def holds(ok: object) -> str:
    return {True: "yes", False: "**NO**"}.get(ok, "–")  # type: ignore[arg-type]


def write_results(path: Path, results: list[dict], machine: dict[str, str],
                  args: argparse.Namespace, wall: float) -> None:
    table: list[tuple[int, int, str]] = []
    for order, result in enumerate(results):
        name = result["module"]
        for r in result.get("rows", []):
            item = r.get("item", 0)
            table.append((int(item) if isinstance(item, int) else 0, order, "| " + " | ".join(
                cell(c) for c in (
                    f"{item} {ITEMS.get(item, '')}".strip(), r.get("metric", ""),
                    fmt_value(r.get("value"), r.get("unit", "")), r.get("target", "") or "–",
                    holds(r.get("ok")), r.get("detail", ""))) + " |"))
        if result["failed"]:
            why = ("timed out" if result["timed_out"] else
                   "printed no BENCH_RESULT line" if not result["found"] else
                   "reported no rows" if not result["rows"] else
                   f"exit code {result['exit_code']}")
            table.append((999, order, "| " + " | ".join(cell(c) for c in (
                f"({name})", f"module {name} failed: {why}", "–", "–", "**NO**",
                f"exit code {result['exit_code']} after {result['seconds']:.0f} s")) + " |"))
    table.sort(key=lambda t: (t[0], t[1]))
    mode = "quick smoke run (--quick: small sizes, not the targets' sizes)" if args.quick \
        else f"full run, --repeats {args.repeats}"
    lines = [
        "# Benchmark results (issue #11)",
        "",
        "Written by `python -m benchmarks.run_all` (`make bench`); see README, section "
        "Benchmarks. Values are medians over the repeats (min–max in the detail column).",
        "",
        "| | |",
        "|---|---|",
        *(f"| {cell(k)} | {cell(v)} |" for k, v in machine.items()),
        f"| Mode | {mode} |",
        f"| Wall time | {wall / 60:.1f} min |",
        "",
        "| item | metric | median | target | holds? | detail |",
        "|---|---|---|---|---|---|",
        *(t[2] for t in table),
        "",
        "## Notes per module",
        "",
    ]
    for result in results:
        status = "failed" if result["failed"] else "ok"
        notes = result.get("notes") or "–"
        if result["failed"] and result.get("stderr_tail"):
            notes += f" Last lines of its error output: `{result['stderr_tail'][-600:]}`"
        lines.append(f"- **{result['module']}** ({status}, {result['seconds']:.0f} s): "
                     f"{cell(notes)}")
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run of each module")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(MODULES)}")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    chosen = [m.strip() for m in args.only.split(",") if m.strip()] or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}")

    env = {**os.environ}
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    machine = {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Git commit": commit(),
        "CPU": cpu_model(),
        "Cores": str(os.cpu_count()),
        "RAM": ram_gib(),
        "Python": platform.python_version(),
        "PostgreSQL": postgres_version(),
        "Load average before (1/5/15 min)": load_average(),
    }
    start = time.monotonic()
    results = [run_module(name, args, env) for name in chosen]
    wall = time.monotonic() - start
    machine["Load average after (1/5/15 min)"] = load_average()
    write_results(args.output, results, machine, args, wall)
    failed = [r["module"] for r in results if r["failed"]]
    print(f"Wrote {args.output} ({wall / 60:.1f} min)."
          + (f" Failed: {', '.join(failed)}." if failed else ""), file=sys.stderr)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

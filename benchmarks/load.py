"""Issue #11 item 8: a mixed load with locust (headless) against gunicorn.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.load [--minutes 10] [--users 50] [--quick]

Scratch database `meldpunt_bench_load` with production Argon2id costs: staff
accounts (5 intake officers, 3 integrity coordinators, 2 ICC), cases built
through the real code (10 messages, 3 attachments each) for the officers to
open, and bulk cases over five years for the queues. 50 locust users
(benchmarks/locustfile.py): 10 staff (one account each, signed in once)
working queues and case pages, 40 reporters submitting reports and signing
in to their mailboxes with their own receipt codes. Expected: zero errors.
Worker memory: locust runs twice, a fifth of the time to warm up, then the
rest; the RSS of each gunicorn worker (/proc) when quiet after the warm-up
against quiet after the run must not grow (Argon2id's 64 MiB buffers come
and go with each derivation, so samples during the run show those; their
peak is reported too, sampled every 10 s). --quick: 1 minute. The run happens once (--repeats is
accepted for the orchestrator and ignored: one run is ten minutes).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.datagen import (
    RealCase,
    StaffLogin,
    bulk_cases,
    make_instance,
    make_staff,
    pdf_bytes,
    real_cases,
)
from benchmarks.results import emit, row
from benchmarks.serve import Browser, Server, rss_mib, staff_sign_in
from benchmarks.submission import run_clients

DB_NAME = "meldpunt_bench_load"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
SAMPLE_SECONDS = 10
FLAT_MIB = 32  # growth per worker that still counts as flat


class Sampler(threading.Thread):
    """RSS of each gunicorn worker every SAMPLE_SECONDS."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.samples: list[tuple[float, dict[int, float]]] = []
        self.stopping = threading.Event()
        self.start_time = time.monotonic()

    def run(self) -> None:
        while True:
            sizes = {pid: rss for pid in self.server.worker_pids()
                     if (rss := rss_mib(pid)) is not None}
            self.samples.append((time.monotonic() - self.start_time, sizes))
            if self.stopping.wait(SAMPLE_SECONDS):
                return


def warm_up(base_url: str, officer: StaffLogin, cases: list[RealCase]) -> None:
    """Every kind of page once on many connections (so on both workers):
    imports, templates, statement caches and pools are in place before the
    quiet start is measured."""
    run_clients(base_url, 4, 1)
    signed_in = Browser(base_url)
    staff_sign_in(signed_in, officer.email, officer.password, officer.code())
    for n in range(8):
        staff = Browser(base_url)
        staff.cookies = dict(signed_in.cookies)
        for tab in ("all", "new", "due_soon", "overdue", "mine", "waiting"):
            staff.get(f"/medewerkers/zaken/?tab={tab}")
        staff.get(f"/medewerkers/zaken/{cases[n % len(cases)].number}")
        staff.close()
        reporter = Browser(base_url)
        page = reporter.get("/postbus")
        mailbox = reporter.post("/postbus", {"csrf_token": page.csrf(),
                                             "code": cases[n % len(cases)].receipt_code})
        reporter.post("/postbus/sluiten", {"csrf_token": mailbox.csrf()})
        reporter.close()
    signed_in.close()


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def quiet_rss(server: Server, limit: float = 300) -> dict[int, float]:
    """Each worker's RSS once nothing runs (no Argon2id buffer in use): after
    the load stops, an overloaded server may still work off requests it had
    read, so wait until the workers used no CPU for three seconds."""
    deadline = time.monotonic() + limit
    idle = 0
    before = cpu_ticks(server.worker_pids())
    while idle < 3 and time.monotonic() < deadline:
        time.sleep(1)
        now = cpu_ticks(server.worker_pids())
        idle = idle + 1 if now - before <= 2 else 0
        before = now
    return {pid: rss for pid in server.worker_pids() if (rss := rss_mib(pid)) is not None}


def aggregated(prefix: Path) -> dict[str, str]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as handle:
        for line in csv.DictReader(handle):
            if line["Name"] == "Aggregated":
                return line
    return {}


def failures(prefix: Path) -> list[str]:
    path = prefix.parent / f"{prefix.name}_failures.csv"
    if not path.exists():
        return []
    with path.open() as handle:
        return [f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}"
                for r in csv.DictReader(handle)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1, help="ignored (one run)")
    parser.add_argument("--quick", action="store_true", help="1 minute, less data")
    args = parser.parse_args()
    minutes = 1 if args.quick else args.minutes

    instance = make_instance(DB_NAME)
    # Two locust runs: a fifth of the time to warm up (thread arenas, caches,
    # pools fill under real concurrency), then the rest. Worker memory is
    # compared when quiet between them and after. Each run has staff accounts
    # of its own, so no TOTP code is used twice.
    phases = [("warm", minutes * 60 / 5), ("main", minutes * 60 * 4 / 5)]
    stats: dict[str, dict[str, str]] = {}
    failed: list[str] = []
    codes: list[int] = []
    try:
        app = instance.app()
        staff = {phase: make_staff(app, ("intake",), 5, prefix=f"{phase}-intake")
                 + make_staff(app, ("integriteitscoordinator",), 3, prefix=f"{phase}-ic")
                 + make_staff(app, ("icc",), 2, prefix=f"{phase}-icc") for phase, _ in phases}
        warm_staff = make_staff(app, ("intake",), 1, prefix="warm-up")[0]
        cases = real_cases(app, 10 if args.quick else 40, messages=10, attachments=3)
        app.extensions["meldpunt.engine"].dispose()
        bulk_cases(instance, 2000 if args.quick else 20000)
        # No worker recycling (max_requests) during the run: memory is what is watched.
        with Server(instance, max_requests=0) as server:
            warm_up(server.base_url, warm_staff, cases)
            quiet = {"start": quiet_rss(server)}
            sampler = Sampler(server)
            sampler.start()
            for phase, seconds in phases:
                data_file = instance.root / f"load-{phase}.json"
                # A real PDF: uploads are opened and cleaned (issue #25).
                pdf_file = instance.root / "load.pdf"
                pdf_file.write_bytes(pdf_bytes(200_000, seed=2))
                data_file.write_text(json.dumps({
                    "staff": [s.as_dict() for s in staff[phase]],
                    "cases": [c.number for c in cases], "pdf": str(pdf_file)}))
                prefix = instance.root / f"locust-{phase}"
                command = [
                    sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                    "--users", str(args.users), "--spawn-rate", "5",
                    "--run-time", f"{max(10, int(seconds))}s", "--host", server.base_url,
                    "--csv", str(prefix), "--only-summary", "--stop-timeout", "60",
                    "--loglevel", "WARNING",
                ]
                locust = subprocess.run(  # noqa: S603 - fixed command
                    command, env={**os.environ, "MELDPUNT_BENCH_LOAD": str(data_file)},
                    capture_output=True, text=True, check=False)
                codes.append(locust.returncode)
                sys.stderr.write(locust.stderr[-3000:])
                stats[phase] = aggregated(prefix)
                failed += failures(prefix)
                quiet[phase] = quiet_rss(server)
            sampler.stopping.set()
            sampler.join()
    finally:
        instance.close()

    rows = []
    requests = sum(int(s.get("Request Count", 0) or 0) for s in stats.values())
    errors = sum(int(s.get("Failure Count", 0) or 0) for s in stats.values())
    rows.append(row(8, f"errors in {minutes:g} min, {args.users} users", errors, "count",
                    "0", errors == 0 and requests > 0,
                    f"{requests} requests; " + ("; ".join(failed)[:300] if failed else
                                                 "no failures")))
    main_stats = stats.get("main") or {}
    if main_stats:
        rows += [
            row(8, "requests per second (after the warm-up fifth)",
                float(main_stats["Requests/s"]), "req/s",
                detail=f"p50 {main_stats['50%']} ms, p95 {main_stats['95%']} ms, "
                       f"max {float(main_stats['Max Response Time']):.0f} ms"),
            row(8, "response time p95 (all requests, after the warm-up fifth)",
                float(main_stats["95%"]), "ms", detail=f"p99 {main_stats['99%']} ms"),
        ]
    before, after = quiet.get("warm", {}), quiet.get("main", {})
    growth = {pid: after[pid] - before[pid] for pid in after if pid in before}
    peak = max((sum(sizes.values()) for _, sizes in sampler.samples), default=0.0)
    if growth:
        worst = max(growth.values())
        first = quiet.get("start", {})
        rows.append(row(
            8, "worker RSS growth over the run after warm-up (largest)", worst, "MiB",
            f"≤ {FLAT_MIB} MiB", worst <= FLAT_MIB,
            "quiet RSS per worker: before load "
            f"{', '.join(f'{first.get(p, 0):.0f}' for p in growth)} → after warm-up "
            f"{', '.join(f'{before[p]:.0f}' for p in growth)} → end "
            f"{', '.join(f'{after[p]:.0f}' for p in growth)} MiB; all workers during the "
            f"run (every {SAMPLE_SECONDS} s, incl. Argon2id's 64 MiB per running "
            f"derivation): peak {peak:.0f} MiB"))
    else:
        rows.append(row(8, "worker RSS growth", 0, "MiB", f"≤ {FLAT_MIB} MiB", None,
                        "not measured (the workers changed during the run)"))
    emit("load", rows, (
        f"locust {args.users} users (10 staff with their own accounts, the rest reporters), "
        f"{minutes:g} min headless, gunicorn gthread 2 workers × 4 threads without worker "
        "recycling, production Argon2id (every submission, mailbox sign-in and staff "
        f"sign-in runs it). Two locust runs (warm-up fifth, then the rest), exit codes "
        f"{codes}; reporters wait 20–60 s, staff 3–10 s between tasks."))
    if errors or requests == 0 or any(code not in (0, 1) for code in codes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

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
Worker memory: the RSS of each gunicorn worker (/proc) when quiet after a
warm-up against quiet after the run (Argon2id's 64 MiB buffers come and go
with each derivation, so samples during the run show those; their peak is
reported too, sampled every 10 s). --quick: 1 minute. The run happens once (--repeats is
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


def quiet_rss(server: Server) -> dict[int, float]:
    """Each worker's RSS once nothing runs (no Argon2id buffer in use)."""
    time.sleep(3)
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
    try:
        app = instance.app()
        staff = (make_staff(app, ("intake",), 5)
                 + make_staff(app, ("integriteitscoordinator",), 3)
                 + make_staff(app, ("icc",), 2))
        warm_staff = make_staff(app, ("intake",), 1, prefix="warm-up")[0]
        cases = real_cases(app, 10 if args.quick else 40, messages=10, attachments=3)
        app.extensions["meldpunt.engine"].dispose()
        bulk_cases(instance, 2000 if args.quick else 20000)
        data_file = instance.root / "load.json"
        data_file.write_text(json.dumps({"staff": [s.as_dict() for s in staff],
                                         "cases": [c.number for c in cases]}))
        prefix = instance.root / "locust"
        # No worker recycling (max_requests) during the run: memory is what is watched.
        with Server(instance, max_requests=0) as server:
            # Warm both workers up (imports, templates, pools), then the quiet start.
            warm_up(server.base_url, warm_staff, cases)
            quiet_start = quiet_rss(server)
            sampler = Sampler(server)
            sampler.start()
            command = [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "--users", str(args.users), "--spawn-rate", "5",
                "--run-time", f"{int(minutes * 60)}s", "--host", server.base_url,
                "--csv", str(prefix), "--only-summary", "--stop-timeout", "60",
                "--loglevel", "WARNING",
            ]
            locust = subprocess.run(  # noqa: S603 - fixed command
                command, env={**os.environ, "MELDPUNT_BENCH_LOAD": str(data_file)},
                capture_output=True, text=True, check=False)
            sampler.stopping.set()
            sampler.join()
            quiet_end = quiet_rss(server)
            sys.stderr.write(locust.stderr[-4000:])
            stats = aggregated(prefix)
            failed = failures(prefix)
    finally:
        instance.close()

    rows = []
    requests = int(stats.get("Request Count", 0) or 0)
    errors = int(stats.get("Failure Count", 0) or 0)
    rows.append(row(8, f"errors in {minutes:g} min, {args.users} users", errors, "count",
                    "0", errors == 0 and requests > 0,
                    f"{requests} requests; " + ("; ".join(failed)[:300] if failed else
                                                 "no failures")))
    if stats:
        rows += [
            row(8, "requests per second", float(stats["Requests/s"]), "req/s",
                detail=f"p50 {stats['50%']} ms, p95 {stats['95%']} ms, "
                       f"max {float(stats['Max Response Time']):.0f} ms"),
            row(8, "response time p95 (all requests)", float(stats["95%"]), "ms",
                detail=f"p99 {stats['99%']} ms"),
        ]
    growth = {pid: quiet_end[pid] - quiet_start[pid] for pid in quiet_end if pid in quiet_start}
    peak = max((sum(sizes.values()) for _, sizes in sampler.samples), default=0.0)
    if growth:
        worst = max(growth.values())
        rows.append(row(
            8, "worker RSS growth, quiet before → quiet after (largest)", worst, "MiB",
            f"≤ {FLAT_MIB} MiB", worst <= FLAT_MIB,
            f"workers {', '.join(f'{quiet_start[p]:.0f}' for p in growth)} MiB → "
            f"{', '.join(f'{quiet_end[p]:.0f}' for p in growth)} MiB; all workers during "
            f"the run (every {SAMPLE_SECONDS} s, incl. Argon2id's 64 MiB per running "
            f"derivation): peak {peak:.0f} MiB"))
    else:
        rows.append(row(8, "worker RSS growth", 0, "MiB", f"≤ {FLAT_MIB} MiB", None,
                        "not measured (the workers changed during the run)"))
    emit("load", rows, (
        f"locust {args.users} users (10 staff with their own accounts, the rest reporters), "
        f"{minutes:g} min headless, gunicorn gthread 2 workers × 4 threads without worker "
        "recycling, production Argon2id (every submission, mailbox sign-in and staff "
        f"sign-in runs it). Locust exit code {locust.returncode}. Worker RSS sampled "
        f"every {SAMPLE_SECONDS} s from /proc."))
    if errors or requests == 0 or locust.returncode not in (0, 1):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

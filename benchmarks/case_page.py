"""Issue #11 item 2: the staff case page over HTTP under gunicorn.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.case_page [--repeats 5] [--quick]

Scratch database `meldpunt_bench_case_page`: an intake officer (production
Argon2id), a case built through the real code with 10 messages and 5
attachments (encrypted report, messages and file metadata; key wrapped for
the officer), a few more such cases and many bulk cases around it. The
officer signs in over HTTP (password + TOTP) once; then GET
/medewerkers/zaken/<number> one request at a time. Target: p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse

from benchmarks.datagen import bulk_cases, make_instance, make_staff, real_cases
from benchmarks.results import emit, median, percentile, row, spread
from benchmarks.serve import Browser, Server, staff_sign_in

DB_NAME = "meldpunt_bench_case_page"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per repeat (default 100, quick 20)")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    requests = args.requests or (20 if args.quick else 100)
    bulk = 1000 if args.quick else 20000

    instance = make_instance(DB_NAME)
    p95s: list[float] = []
    p50s: list[float] = []
    server_p50s: list[float] = []
    errors: list[str] = []
    try:
        app = instance.app()
        officer = make_staff(app, ("intake",), 1)[0]
        case = real_cases(app, 1, messages=10, attachments=5)[0]
        real_cases(app, 4 if args.quick else 20, messages=3, attachments=1, seed=5)
        app.extensions["meldpunt.engine"].dispose()
        bulk_cases(instance, bulk)
        with Server(instance) as server:
            browser = Browser(server.base_url)
            staff_sign_in(browser, officer.email, officer.password, officer.code())
            url = f"/medewerkers/zaken/{case.number}"
            for _ in range(5):  # warm up both workers
                browser.close()
                browser.get(url)
            for _ in range(repeats):
                times, server_times = [], []
                for _ in range(requests):
                    response = browser.get(url)
                    if response.status != 200 or case.number not in response.text:
                        errors.append(f"HTTP {response.status}")
                        continue
                    if response.text.count("bijlage-") < 5:
                        errors.append("attachments missing from the page")
                    times.append(response.elapsed_ms)
                    server_times.append(response.timing().get("app", 0.0))
                if times:
                    p95s.append(percentile(times, 0.95))
                    p50s.append(percentile(times, 0.50))
                    server_p50s.append(percentile(server_times, 0.50))
            browser.close()
    finally:
        instance.close()

    rows = []
    if p95s:
        p95 = median(p95s)
        rows += [
            row(2, "case page p95 (10 messages, 5 attachments)", p95, "ms", "≤ 100 ms",
                p95 <= 100, f"{spread(p95s)}; {requests} requests × {len(p95s)} repeats, "
                            f"{bulk} other cases"),
            row(2, "case page p50", median(p50s), "ms",
                detail=f"{spread(p50s)}; server time p50 {median(server_p50s):.1f} ms"),
        ]
    if errors:
        rows.append(row(2, "failed case page requests", len(errors), "count", "0", False,
                        "; ".join(sorted(set(errors)))[:300]))
    emit("case_page", rows, (
        "gunicorn gthread 2 workers × 4 threads, one signed-in intake officer, one request "
        "at a time (keep-alive). Each view decrypts the report, identity, 10 messages and "
        "5 attachments' metadata under the case key and writes one audit entry."))
    if errors or not p95s:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

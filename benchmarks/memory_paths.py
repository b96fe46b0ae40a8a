"""Benchmark (issue #26, memory): which request path makes a worker grow.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.memory_paths [--quick] [--iterations 200] \\
        [--threads 4] [--paths queue,case_page] [--trace]

One process, one app as a gunicorn worker holds it: a scratch PostgreSQL
database `meldpunt_bench_memory_paths` with the demo organisation's units,
an intake officer, an ICC member, real cases (encrypted report, 10 messages,
5 attachments in the file store, production receipt-code cost) and bulk cases
around them; production Argon2id for staff passwords and key unlocking and
the production receipt-code cost, DEBUG off. Each path is driven through the
Flask test client from `--threads` threads at once (gunicorn's gthread
worker runs its requests that way; glibc gives each thread its own malloc
arena), one client per thread:

- staff_sign_in: sign-in page, password, second-factor page, TOTP code
  (production Argon2id for the password and the private key);
- queue: the queue page, the six tabs in turn;
- case_page: the case page of a case with 10 messages and 5 attachments;
- mailbox: mailbox sign-in with a receipt code, a message, the mailbox again,
  sign out;
- statistics: the statistics page for this year (ICC);
- audit: the audit log page (ICC);
- download: one attachment of the case (20 kB PDF);
- upload: mailbox sign-in and one 1 MiB PDF added to the report (opened and
  cleaned), sign out;
- submission: a text report through the form, review and send steps;
- mixed: the paths above in turn (a fixed rotation weighted like the mixed
  load: queue and mailbox most often).

Per path: `warm-up` rounds (imports, caches, pools, arenas reach their
working size), then the process's RSS (and with --trace a tracemalloc
snapshot), then `--iterations` rounds, then again. Reported per path: the
process's CPU time per round (all threads; a round is several requests,
through the test client without HTTP: a per-core capacity figure), RSS
growth after the warm-up, the same after malloc_trim(0) (what glibc could
give back: growth that disappears there is free memory kept in malloc's
arenas, not objects), and with --trace the growth of memory Python objects
hold and the three source lines that grew most (tracemalloc's own memory
and time then inflate RSS and CPU, so the run_all figures are without it).
The RSS of the whole process after all paths is what a worker holds under a
mix of them.

The app fixes glibc's mmap threshold (app/malloc.py) unless the environment
sets one. `--glibc-default` keeps glibc's dynamic threshold (the behaviour
before the fix); other glibc settings go in the environment, e.g.
`MALLOC_ARENA_MAX=2` (glibc reads them at start). The benchmark clears
a staff member's last-used TOTP step between its sign-ins (replay protection
would refuse the same 30-second code twice).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import dataclasses
import gc
import io
import linecache
import os
import re
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from benchmarks.datagen import (
    bulk_cases,
    make_instance,
    make_staff,
    pdf_bytes,
    real_cases,
)
from benchmarks.results import emit, row

DB_NAME = "meldpunt_bench_memory_paths"
PATHS = ("staff_sign_in", "queue", "case_page", "mailbox", "statistics", "audit",
         "download", "upload", "submission", "mixed")
TABS = ("all", "new", "due_soon", "overdue", "mine", "waiting")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TARGET_GROWTH_MIB = 32.0
MIB = 1024 * 1024
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def malloc_fixed() -> bool:
    import app.malloc

    return app.malloc._done  # noqa: SLF001 - reported, not changed


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def trimmed_rss_mib() -> float:
    """RSS after glibc returned what it could (free pages in every arena)."""
    _libc.malloc_trim(0)
    return rss_mib()


def csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


class Failed(AssertionError):
    pass


def expect(response, status: int = 200, must: str = "") -> str:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    if response.status_code != status or (must and must not in body):
        raise Failed(f"HTTP {response.status_code} at {response.request.path}"
                     + (f" without {must!r}" if must and response.status_code == status else ""))
    return body


@dataclasses.dataclass
class World:
    app: object
    officer: object
    icc: object
    signers: list
    case_number: str
    mailbox_codes: list[str]
    upload_codes: list[str]
    attachment_urls: list[str]
    pdf: bytes
    pool: ThreadPoolExecutor | None = None
    clients: dict[tuple[str, int], object] = dataclasses.field(default_factory=dict)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    # One sign-in per account at a time (one TOTP code, used once).
    account_locks: dict[str, threading.Lock] = dataclasses.field(default_factory=dict)
    counter: int = 0

    def next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter


def new_client(world: World):  # type: ignore[no-untyped-def]
    from tests.conftest import IsolatedClient

    world.app.test_client_class = IsolatedClient  # type: ignore[attr-defined]
    return world.app.test_client()  # type: ignore[attr-defined]


def clear_totp_step(world: World, email: str) -> None:
    engine = world.app.extensions["meldpunt.engine"]  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text("UPDATE user_account SET totp_last_step = NULL WHERE email = :e"),
                     {"e": email})


def sign_in(world: World, login) -> object:  # type: ignore[no-untyped-def]
    with world.lock:
        lock = world.account_locks.setdefault(login.email, threading.Lock())
    with lock:
        return _sign_in(world, login)


def _sign_in(world: World, login) -> object:  # type: ignore[no-untyped-def]
    clear_totp_step(world, login.email)
    client = new_client(world)
    page = expect(client.get("/medewerkers/inloggen"))
    expect(client.post("/medewerkers/inloggen", data={
        "csrf_token": csrf(page), "email": login.email, "password": login.password}), 302)
    page = expect(client.get("/medewerkers/inloggen/code"))
    expect(client.post("/medewerkers/inloggen/code", data={
        "csrf_token": csrf(page), "code": login.code()}), 302)
    return client


def staff_client(world: World, who: str) -> object:
    """One signed-in client per thread and role (as a browser keeps its cookie)."""
    key = (who, threading.get_ident())
    client = world.clients.get(key)
    if client is None:
        client = sign_in(world, world.officer if who == "officer" else world.icc)
        world.clients[key] = client
    return client


def mailbox_open(world: World, code: str):  # type: ignore[no-untyped-def]
    client = new_client(world)
    page = expect(client.get("/postbus"))
    body = expect(client.post("/postbus", data={"csrf_token": csrf(page), "code": code},
                              follow_redirects=True), 200, "postbus/bericht")
    return client, body


# --- the paths ---------------------------------------------------------------------


def path_staff_sign_in(world: World) -> None:
    login = world.signers[world.next() % len(world.signers)]
    client = sign_in(world, login)
    expect(client.get("/medewerkers/zaken/"))


def path_queue(world: World) -> None:
    client = staff_client(world, "officer")
    tab = TABS[world.next() % len(TABS)]
    expect(client.get(f"/medewerkers/zaken/?tab={tab}"))  # type: ignore[attr-defined]


def path_case_page(world: World) -> None:
    client = staff_client(world, "officer")
    expect(client.get(f"/medewerkers/zaken/{world.case_number}"),  # type: ignore[attr-defined]
           200, world.case_number)


def path_mailbox(world: World) -> None:
    code = world.mailbox_codes[world.next() % len(world.mailbox_codes)]
    client, body = mailbox_open(world, code)
    body = expect(client.post("/postbus/bericht", data={
        "csrf_token": csrf(body), "body": "Is er al nieuws over mijn melding?"}), 302)
    body = expect(client.get("/postbus"))
    expect(client.post("/postbus/sluiten", data={"csrf_token": csrf(body)}), 302)


def path_statistics(world: World) -> None:
    client = staff_client(world, "icc")
    expect(client.get("/medewerkers/statistiek/"))  # type: ignore[attr-defined]


def path_audit(world: World) -> None:
    client = staff_client(world, "icc")
    expect(client.get("/medewerkers/audit/"))  # type: ignore[attr-defined]


def path_download(world: World) -> None:
    client = staff_client(world, "officer")
    url = world.attachment_urls[world.next() % len(world.attachment_urls)]
    response = client.get(url)  # type: ignore[attr-defined]
    if response.status_code != 200 or not response.data.startswith(b"%PDF"):
        raise Failed(f"download: HTTP {response.status_code}")


def path_upload(world: World) -> None:
    # Each code's report takes a bounded number of files: spread them.
    code = world.upload_codes[world.next() % len(world.upload_codes)]
    client, body = mailbox_open(world, code)
    response = client.post("/postbus/bestanden", data={
        "csrf_token": csrf(body),
        "attachments": (io.BytesIO(world.pdf), "verslag.pdf", "application/pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    page = expect(response, 200, "verslag")
    expect(client.post("/postbus/sluiten", data={"csrf_token": csrf(page)}), 302)


def path_submission(world: World) -> None:
    from benchmarks.serve import report_fields, unit_id_from_form

    client = new_client(world)
    form = expect(client.get("/melden"))
    fields = report_fields(unit_id_from_form(form), f"(melding {world.next()})")
    review = expect(client.post("/melden", data={"csrf_token": csrf(form), "step": "review",
                                                 **fields}))
    token = re.search(r'name="send_token"[^>]*value="([^"]+)"', review)
    if not token:
        raise Failed("no send token on the review page")
    expect(client.post("/melden", data={"csrf_token": csrf(review), "send_token": token.group(1),
                                        "step": "send", **fields}), 200, 'class="receipt"')


def path_mixed(world: World) -> None:
    """Every other path in turn: long-lived objects of one path are allocated
    between the large, short-lived buffers of another (as in the mixed load)."""
    RUN[MIXED[world.next() % len(MIXED)]](world)


RUN: dict[str, Callable[[World], None]] = {
    "staff_sign_in": path_staff_sign_in, "queue": path_queue, "case_page": path_case_page,
    "mailbox": path_mailbox, "statistics": path_statistics, "audit": path_audit,
    "download": path_download, "upload": path_upload, "submission": path_submission,
    "mixed": path_mixed,
}
MIXED = ("queue", "mailbox", "case_page", "staff_sign_in", "queue", "statistics", "download",
         "mailbox", "audit", "case_page", "upload", "queue", "submission")


# --- measuring -----------------------------------------------------------------------


def drive(world: World, name: str, rounds: int, threads: int) -> tuple[int, list[str]]:
    """`rounds` iterations of path `name` over `threads` threads; (ok, errors)."""
    errors: list[str] = []

    def one(_: int) -> bool:
        try:
            RUN[name](world)
            return True
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return False

    # The same threads throughout (gunicorn's gthread worker keeps its own;
    # glibc binds a malloc arena to each thread).
    if world.pool is None:
        world.pool = ThreadPoolExecutor(max_workers=threads)
    ok = sum(world.pool.map(one, range(rounds)))
    return ok, errors


def top_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot,
               count: int = 3) -> list[str]:
    skip = (tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, linecache.__file__))
    stats = after.filter_traces(skip).compare_to(before.filter_traces(skip), "lineno")
    lines = []
    for stat in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:count]:
        if stat.size_diff <= 0:
            break
        frame = stat.traceback[0]
        where = "/".join(Path(frame.filename).parts[-3:])
        lines.append(f"{where}:{frame.lineno} +{stat.size_diff / 1024:.0f} KiB "
                     f"({stat.count_diff:+d} blocks)")
    return lines


def traced_mib() -> float:
    return (tracemalloc.get_traced_memory()[0]) / MIB if tracemalloc.is_tracing() else 0.0


def measure(world: World, name: str, warmup: int, iterations: int, threads: int,
            trace: bool) -> dict:
    started = time.monotonic()
    warm_rss = rss_mib()
    warm_snap = tracemalloc.take_snapshot() if trace else None
    _, warm_errors = drive(world, name, warmup, threads)
    gc.collect()
    rss0 = rss_mib()
    trimmed0 = trimmed_rss_mib()
    overhead0 = tracemalloc.get_tracemalloc_memory() / MIB if trace else 0.0
    snap0 = tracemalloc.take_snapshot() if trace else None
    traced0 = traced_mib()
    peak = rss0
    cpu0 = time.process_time()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ok, errors = drive(world, name, iterations, threads)
    cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, iterations)
    done.set()
    sampler.join()
    gc.collect()
    rss1 = rss_mib()
    overhead1 = tracemalloc.get_tracemalloc_memory() / MIB if trace else 0.0
    snap1 = tracemalloc.take_snapshot() if trace else None
    traced1 = traced_mib()
    trimmed1 = trimmed_rss_mib()
    result = {
        "warmup_growth": rss0 - warm_rss,
        "warmup_top": top_growth(warm_snap, snap0) if warm_snap and snap0 else [],
        "path": name, "ok": ok, "errors": errors, "warm_errors": warm_errors,
        "seconds": time.monotonic() - started,
        "cpu_ms": cpu_ms,
        "rss_before": rss0, "rss_after": rss1, "peak": peak, "trimmed_after": trimmed1,
        # tracemalloc's own bookkeeping grows with what it traces: not the app's.
        "growth": rss1 - rss0 - (overhead1 - overhead0),
        "trimmed_growth": trimmed1 - trimmed0 - (overhead1 - overhead0),
        "objects_growth": traced1 - traced0,
        "top": top_growth(snap0, snap1) if snap0 and snap1 else [],
    }
    print(f"{name:<14} ok {ok:>4}/{iterations}  RSS {rss0:7.1f} -> {rss1:7.1f} MiB "
          f"(growth {result['growth']:+6.1f}, after malloc_trim {result['trimmed_growth']:+6.1f}, "
          + (f"Python objects {result['objects_growth']:+6.2f}; " if trace else "")
          + f"peak {peak:.0f})  "
          f"trimmed {trimmed1:.0f}; CPU {cpu_ms:.0f} ms per round; {result['seconds']:.0f} s",
          file=sys.stderr, flush=True)
    print(f"    warm-up: RSS {result['warmup_growth']:+.1f} MiB; "
          + "; ".join(result["warmup_top"]), file=sys.stderr, flush=True)
    for line in result["top"]:
        print(f"    {line}", file=sys.stderr, flush=True)
    for error in sorted(set(errors + warm_errors))[:3]:
        print(f"    error: {error}", file=sys.stderr, flush=True)
    return result


# --- the data ------------------------------------------------------------------------


def build_world(instance, quick: bool, signers: int) -> World:  # type: ignore[no-untyped-def]
    from app import create_app
    from app.crypto.receipts import receipt_kdf_params
    from app.models import Attachment, Case

    # Production costs everywhere, the receipt codes' too.
    settings = dataclasses.replace(instance.settings(), receipt_derivation=receipt_kdf_params())
    app = create_app(settings)
    officer, *others = make_staff(app, ("intake",), 1 + signers)
    icc = make_staff(app, ("icc",), 1)[0]
    cases = real_cases(app, 4, messages=10, attachments=5)
    # Reports the upload path adds files to (a report takes a bounded number).
    uploads = real_cases(app, 2 if quick else 6, messages=0, attachments=0, seed=9)
    with app.app_context():
        from app.web.extensions import db

        case = db.session.query(Case).filter_by(number=cases[0].number).one()
        ids = [a.id for a in db.session.query(Attachment).filter_by(case_id=case.id)]
        db.session.close()
    app.extensions["meldpunt.engine"].dispose()
    bulk_cases(instance, 1000 if quick else 10_000)
    return World(app=app, officer=officer, icc=icc, signers=others,
                 case_number=cases[0].number,
                 mailbox_codes=[c.receipt_code for c in cases[1:]],
                 upload_codes=[c.receipt_code for c in uploads],
                 attachment_urls=[f"/medewerkers/zaken/{case.number}/bijlagen/{i}" for i in ids],
                 pdf=pdf_bytes(1024 * 1024, seed=4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--repeats", type=int, default=1, help="accepted for run_all; one pass")
    parser.add_argument("--iterations", type=int, default=None,
                        help="measured rounds per path (default 200, quick 24)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="rounds per path before measuring (default 40, quick 8)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--paths", default="", help=f"comma-separated: {','.join(PATHS)}")
    parser.add_argument("--glibc-default", action="store_true",
                        help="keep glibc's dynamic mmap threshold (skip app/malloc.py)")
    parser.add_argument("--database", default=DB_NAME, help="scratch database name")
    parser.add_argument("--trace", action="store_true",
                        help="with tracemalloc: which source lines grow (its own memory and "
                             "CPU then inflate the RSS and CPU figures)")
    args = parser.parse_args()
    iterations = args.iterations or (24 if args.quick else 200)
    warmup = args.warmup or (8 if args.quick else 40)
    chosen = [p.strip() for p in args.paths.split(",") if p.strip()] or list(PATHS)
    if unknown := [p for p in chosen if p not in PATHS]:
        parser.error(f"unknown path(s): {', '.join(unknown)}")
    trace = args.trace

    if args.glibc_default:
        import app.malloc

        app.malloc._done = True  # noqa: SLF001 - as if already set: the app leaves glibc alone
    instance = make_instance(args.database)
    results = []
    try:
        world = build_world(instance, args.quick, signers=max(args.threads, 4))
        if trace:
            tracemalloc.start(1)
        start_rss = trimmed_rss_mib()
        for name in chosen:
            results.append(measure(world, name, warmup, iterations, args.threads, trace))
        end_rss = rss_mib()
        peak = max(r["peak"] for r in results)
        if world.pool is not None:
            world.pool.shutdown()
        world.app.extensions["meldpunt.engine"].dispose()  # type: ignore[attr-defined]
    finally:
        instance.close()

    arena = ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                      if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES") or "none"
    arena += ("; app/malloc.py skipped (--glibc-default)" if args.glibc_default else
              f"; app/malloc.py fixed the mmap threshold: {'yes' if malloc_fixed() else 'no'}")
    rows = []
    for r in results:
        rows.append(row(
            9, f"RSS growth after warm-up, {r['path']}", r["growth"], "MiB",
            f"≤ {TARGET_GROWTH_MIB:.0f} MiB", r["growth"] <= TARGET_GROWTH_MIB and not r["errors"],
            f"{r['ok']}/{iterations} rounds after {warmup} warm-up, {args.threads} threads, "
            f"{r['cpu_ms']:.0f} ms CPU per round"
            f"{' (tracemalloc on: inflated)' if trace else ''}; "
            f"after malloc_trim {r['trimmed_growth']:+.1f} MiB"
            + (f"; Python objects {r['objects_growth']:+.2f} MiB; top: "
               f"{'; '.join(r['top'][:2]) or '–'}" if trace else "")
            + (f"; errors: {len(r['errors'])} ({sorted(set(r['errors']))[0]})"
               if r["errors"] else "")))
    warm = [(r["path"], e) for r in results for e in r["warm_errors"]]
    if warm:
        rows.append(row(9, "failed requests during the warm-up", len(warm), "count", "0", False,
                        "; ".join(sorted({f"{p}: {e}" for p, e in warm}))[:300]
                        + " (not counted in the growth; the measured rounds had none)"
                        if not any(r["errors"] for r in results) else ""))
    rows.append(row(9, "worker RSS over all paths (one process)", end_rss, "MiB",
                    detail=f"after warm-up of the first path {start_rss:.0f} MiB (trimmed); "
                           f"peak {peak:.0f} MiB sampled every 20 ms; glibc settings: {arena}"))
    emit("memory_paths", rows, (
        f"One process with the app (production Argon2id and receipt-code cost, PostgreSQL "
        f"scratch database, 4 real cases with 10 messages and 5 attachments, "
        f"{1000 if args.quick else 10_000} bulk cases), each path through the Flask test client "
        f"from {args.threads} threads, {warmup} warm-up rounds then {iterations} measured; "
        f"tracemalloc {'on (RSS and CPU inflated by it)' if trace else 'off'}; "
        f"glibc malloc settings from the environment: {arena}."
        + (" QUICK run." if args.quick else "")))
    if any(r["errors"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

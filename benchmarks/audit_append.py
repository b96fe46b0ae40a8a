"""Issue #26, audit append without a global lock: appends/s with several
instances writing at once.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.audit_append [--processes 2] [--threads 8]
        [--seconds 15] [--work-ms 0 2]

Scratch database `meldpunt_bench_audit` (migrated to head, emptied per run).
`--processes` processes (the instances) × `--threads` threads each append
one audit entry per transaction, back to back, as audited requests do; with
`--work-ms` the transaction also does that many ms of other database work
after the append (a request's own writes: on the locked design the chain
lock is held until commit). When the log has a sealer (`AuditLog.seal`), one
thread per process seals without waiting (as the web hook does after a
response) every 200 ms, so its cost is in the figures; at the end everything
is sealed and `verify` must pass. Printed: appends/s per configuration, the
ratio to one process, and the load average.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.audit.log import AuditLog
from app.config import _normalise_database_url
from app.vocabulary import AuditAction
from benchmarks.results import emit, row

DB_NAME = "meldpunt_bench_audit"


def _url() -> str:
    base = make_url(_normalise_database_url(os.environ["DATABASE_URL"]))
    return base.set(database=DB_NAME).render_as_string(hide_password=False)


def prepare() -> None:
    from alembic import command
    from alembic.config import Config

    base = make_url(_normalise_database_url(os.environ["DATABASE_URL"]))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    config = Config()
    config.set_main_option("script_location", "migrations")
    config.set_main_option("sqlalchemy.url", _url().replace("%", "%%"))
    command.upgrade(config, "head")


def empty() -> None:
    engine = create_engine(_url())
    with engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text("TRUNCATE audit_entry, audit_anchor RESTART IDENTITY"))
    engine.dispose()


def worker(key: bytes, threads: int, seconds: float, work_ms: float, start_at: float,
           counts: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    engine = create_engine(_url(), pool_size=threads + 1, max_overflow=2)
    log = AuditLog(key)
    seal = getattr(log, "seal", None)
    stop = threading.Event()
    done = [0] * threads

    def append(n: int) -> None:
        while time.time() < start_at:
            time.sleep(0.001)
        while not stop.is_set():
            with Session(engine) as session:
                log.record(session, actor=f"user:{n}", action=AuditAction.CASE_OPEN,
                           object_type="case", object_id=f"MP-BENCH-{n}")
                if work_ms:
                    session.execute(text("SELECT pg_sleep(:s)"), {"s": work_ms / 1000})
                session.commit()
            done[n] += 1

    def sealer() -> None:
        assert seal is not None  # noqa: S101
        while not stop.is_set():
            with Session(engine) as session:
                seal(session, wait=False)
                session.commit()
            time.sleep(0.2)

    pool = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    if seal is not None:
        pool.append(threading.Thread(target=sealer))
    for t in pool:
        t.start()
    time.sleep(max(0.0, start_at - time.time()) + seconds)
    stop.set()
    for t in pool:
        t.join()
    counts.put(sum(done))
    engine.dispose()


def run(key: bytes, processes: int, threads: int, seconds: float, work_ms: float) -> float:
    empty()
    counts: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    start_at = time.time() + 1.5
    procs = [multiprocessing.Process(target=worker,
                                     args=(key, threads, seconds, work_ms, start_at, counts))
             for _ in range(processes)]
    for p in procs:
        p.start()
    total = sum(counts.get() for _ in procs)
    for p in procs:
        p.join()
    engine = create_engine(_url())
    log = AuditLog(key)
    with Session(engine) as session:
        if hasattr(log, "seal"):
            log.seal(session)
            session.commit()
        result = log.verify(session)
        stored = log.count(session)
    engine.dispose()
    if not result.ok or result.checked != stored or stored < total:
        raise AssertionError(f"log does not verify after the run: {result}, {stored} rows, "
                             f"{total} appended")
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--work-ms", type=float, nargs="+", default=[0.0, 2.0])
    args = parser.parse_args()
    multiprocessing.set_start_method("spawn")
    prepare()
    key = os.urandom(32)
    rows = []
    print(f"load average before: {os.getloadavg()}  cores: {os.cpu_count()}")
    for work_ms in args.work_ms:
        one = run(key, 1, args.threads, args.seconds, work_ms)
        many = run(key, args.processes, args.threads, args.seconds, work_ms)
        print(f"work {work_ms:g} ms: 1 x {args.threads} threads {one:.0f} appends/s; "
              f"{args.processes} x {args.threads} threads {many:.0f} appends/s "
              f"({many / one:.2f}x)")
        rows.append(row(26, f"audit appends/s, {args.processes}x{args.threads} threads, "
                            f"{work_ms:g} ms other work", many, "appends/s",
                        detail=f"1 process: {one:.0f}/s, ratio {many / one:.2f}"))
    print(f"load average after: {os.getloadavg()}")
    emit("audit_append", rows)


if __name__ == "__main__":
    main()

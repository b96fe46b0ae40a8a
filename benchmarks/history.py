"""Benchmark: a ministry's years of history on PostgreSQL (issue #11 items 4, 5, 6).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.history [--repeats 5] [--quick] \\
        [--audit 1000000] [--expired 100000] [--tallies 1000000] [--sweep-repeats 3]

Fills a scratch database `meldpunt_bench_history` once with bulk COPY: audit
entries with a real hash chain and HMACs, closed cases past their retention
period (each as full as a handled case: holders with compartment wraps, the
receipt, messages, a note, minutes for one in five, one attachment with its
file in the file store) and anonymised tallies over ten years. Then:
- item 5: `audit verify` over all entries (`rt.audit.verify`, what the CLI
  runs), `--repeats` times;
- item 4: the statistics for one year (build the report + CSV export) over
  the tallies and the live cases, `--repeats` times after one warm-up;
- item 6: the retention sweep over the expired cases. The sweep destroys its
  data, so its cases live in a template database
  (`meldpunt_bench_history_sweep_tpl`) and each repeat sweeps a fresh copy
  (`CREATE DATABASE ... TEMPLATE`); time, cases/s and peak RSS growth (VmRSS
  sampled every 20 ms during the sweep, minus VmRSS before it).
Reports medians (min–max in the detail) and prints one BENCH_RESULT line last
(benchmarks protocol). Every scratch database is dropped afterwards unless
--keep. Argon2 runs with the tests' fast settings: nothing here measures it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text

from benchmarks.datagen import (
    database_url,
    drop_database,
    maintenance_url,
    psycopg_url,
    scratch_database,
)
from benchmarks.results import emit, median, row, spread

MODULE = "history"
BASE_DB = "meldpunt_bench_history"
SWEEP_TEMPLATE = "meldpunt_bench_history_sweep_tpl"
SWEEP_DB = "meldpunt_bench_history_sweep"
TEMPLATE_FILES = "storage-template"
FULL = {"audit": 1_000_000, "expired": 100_000, "tallies": 1_000_000}
QUICK = {"audit": 20_000, "expired": 2_000, "tallies": 50_000}
STATS_YEAR = 2021
SWEEP_NOW = datetime(2026, 11, 23, tzinfo=UTC)
# Keep the whole run near 15 minutes on a slow machine: stop repeating a
# measurement once it has used this much time (said in the notes).
BUDGET_SECONDS = {"audit": 240, "sweep": 420}

UNITS = 6
CATEGORIES = ["financiele_schendingen", "misbruik_positie", "lekken_misbruik_informatie",
              "ongewenste_omgangsvormen", "oneigenlijk_gebruik_dienstmiddelen", None]
SUBS = ["pesten", "seksuele_intimidatie", "agressie_geweld", "discriminatie_racisme", "overig"]
OUTCOMES = ["advice_given", "referred", "withdrawn", "unfounded", "not_established", "founded"]


def log(message: str) -> None:
    print(message, flush=True)


# --- data ---------------------------------------------------------------------------------


def copy_rows(raw, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)
    raw.commit()


def fill_audit(raw, key: bytes, count: int) -> None:  # type: ignore[no-untyped-def]
    """A valid chain, hashed and MAC'd as app/audit/log.py does."""
    from app.audit.log import GENESIS, entry_hash

    start = datetime(2016, 1, 1, tzinfo=UTC)

    def rows():  # type: ignore[no-untyped-def]
        prev = GENESIS
        for seq in range(1, count + 1):
            entry = SimpleNamespace(
                seq=seq, at=start + timedelta(seconds=seq * 30), actor=f"user:{seq % 40 + 1}",
                action="case.open", object_type="case", object_id=f"MP-{seq % 9999:04d}-BENCH",
                result="ok", origin="web", chain_pos=seq, target="")
            digest = entry_hash(prev, entry)  # type: ignore[arg-type]
            mac = hmac.digest(key, digest.encode(), hashlib.sha256).hex()
            yield (seq, seq, entry.at.replace(tzinfo=None), entry.actor, entry.action,
                   entry.object_type, entry.object_id, entry.result, entry.origin, prev, digest,
                   mac)
            prev = digest

    # Sealed entries (chain_pos = seq, as migration 0018 left the old ones).
    copy_rows(raw, "audit_entry", ["seq", "chain_pos", "at", "actor", "action", "object_type",
                                   "object_id", "result", "origin", "prev_hash", "entry_hash",
                                   "mac"], rows())
    with raw.cursor() as cursor:
        cursor.execute("SELECT setval('audit_entry_seq_seq', %s)", (count,))
    raw.commit()


WRAP_BYTES = 1197  # one compartment key, HPKE ML-KEM-768 + X25519 (measured)
SUITE = "hpke-v1:MLKEM768-X25519:HKDF-SHA256:AES-256-GCM"


def fill_expired_cases(raw, count: int, files: Path | None = None,  # type: ignore[no-untyped-def]
                       file_bytes: int = 20_000) -> int:
    """`count` closed cases past retention, each as full as a handled case:
    the report and identity ciphertext, two holders (recovery key and the
    reporter's receipt) with 3 compartment wraps each, the receipt row, 2-6
    messages, a note, minutes with two versions for one case in five, and one
    attachment whose encrypted file (`file_bytes` random bytes) is written to
    `files` (the file store's layout: <first 2 hex>/<file id>). Sizes as
    measured on cases made by the real code. Returns the number of files."""
    closed = datetime(2012, 6, 1)
    rng = random.Random(7)
    made_files = 0

    def cases():  # type: ignore[no-untyped-def]
        for i in range(1, count + 1):
            category = rng.choice(CATEGORIES)
            yield (i, f"MP-X{i:07d}", rng.randint(1, UNITS), rng.choice(["advice", "report"]),
                   category, rng.choice(SUBS) if category == "ongewenste_omgangsvormen" else None,
                   "rijk-2024", rng.choice(["anonymous", "confidential", "open"]), "web",
                   "closed", closed - timedelta(days=90), closed - timedelta(days=83),
                   closed - timedelta(days=86), closed, closed, rng.choice(OUTCOMES), False, 1,
                   rng.randbytes(rng.randint(400, 4000)), rng.randbytes(86))

    copy_rows(raw, "case_file", [
        "id", "number", "unit_id", "track", "category", "subcategory", "typology_version",
        "channel", "intake_channel", "state", "received_at", "acknowledge_due_at",
        "acknowledged_at", "feedback_due_at", "closed_at", "outcome", "legal_hold", "version",
        "report_ciphertext", "identity_ciphertext"], cases())
    # Holder 2i-1: the recovery key; 2i: the reporter's receipt.
    copy_rows(raw, "key_wrap", ["id", "case_id", "recipient", "suite_id", "key_fingerprint",
                                "granted_at"],
              ((2 * i - 2 + n, i, recipient, SUITE, rng.randbytes(32).hex(), closed)
               for i in range(1, count + 1) for n, recipient in ((1, "recovery"),
                                                                 (2, "reporter"))))
    copy_rows(raw, "compartment_wrap", ["key_wrap_id", "case_id", "compartment", "generation",
                                        "wrapped_key", "created_at", "seal_day"],
              ((2 * i - 2 + n, i, compartment, 1, rng.randbytes(WRAP_BYTES), closed,
                closed.date()) for i in range(1, count + 1) for n in (1, 2)
               for compartment in ("report", "conversation", "casefile")))
    copy_rows(raw, "receipt", ["case_id", "locator", "salt", "kdf_params", "verifier",
                               "created_at", "handed_over", "public_key",
                               "private_key_ciphertext", "seal_day"],
              ((i, rng.randbytes(4).hex(), rng.randbytes(16), "[2, 19456, 1]",
                rng.randbytes(32), closed, False, rng.randbytes(1216), rng.randbytes(153),
                closed.date()) for i in range(1, count + 1)))
    copy_rows(raw, "message", ["case_id", "author_kind", "created_at", "body_ciphertext"],
              ((i, "reporter" if m % 2 == 0 else "staff", closed - timedelta(days=80 - m),
                rng.randbytes(rng.randint(100, 800)))
               for i in range(1, count + 1) for m in range(rng.randint(2, 6))))
    copy_rows(raw, "case_note", ["case_id", "visibility", "created_at", "body_ciphertext",
                                 "compartment"],
              ((i, "internal", closed - timedelta(days=60), rng.randbytes(rng.randint(200, 600)),
                "casefile") for i in range(1, count + 1)))
    minutes = [i for i in range(1, count + 1) if i % 5 == 0]
    copy_rows(raw, "meeting_minutes", ["id", "case_id", "meeting_on", "status",
                                       "current_version", "created_at"],
              ((n, i, (closed - timedelta(days=50)).date(), "approved", 2, closed)
               for n, i in enumerate(minutes, start=1)))
    copy_rows(raw, "minutes_version", ["minutes_id", "case_id", "version", "created_at",
                                       "body_ciphertext"],
              ((n, i, v, closed, rng.randbytes(rng.randint(1000, 3000)))
               for n, i in enumerate(minutes, start=1) for v in (1, 2)))

    def attachments():  # type: ignore[no-untyped-def]
        nonlocal made_files
        for i in range(1, count + 1):
            file_id = rng.randbytes(16).hex()
            if files is not None:
                folder = files / file_id[:2]
                folder.mkdir(parents=True, exist_ok=True)
                (folder / file_id).write_bytes(rng.randbytes(file_bytes))
                made_files += 1
            yield (i, file_id, rng.randbytes(108), rng.randbytes(65), "reporter", closed,
                   "report")

    copy_rows(raw, "attachment", ["case_id", "file_id", "meta_ciphertext",
                                  "file_key_ciphertext", "uploaded_by_kind", "created_at",
                                  "compartment"], attachments())
    with raw.cursor() as cursor:
        cursor.execute("SELECT setval('case_file_id_seq', %s)", (count,))
        cursor.execute("SELECT setval('key_wrap_id_seq', %s)", (2 * count,))
        cursor.execute("SELECT setval('meeting_minutes_id_seq', %s)", (max(len(minutes), 1),))
    raw.commit()
    return made_files


def fill_tallies(raw, count: int) -> None:  # type: ignore[no-untyped-def]
    """Ten years of tallies in random order of receipt: the worst case for
    reading one year (a sweep records them roughly in order of closure)."""
    rng = random.Random(11)

    def tallies():  # type: ignore[no-untyped-def]
        for _ in range(count):
            received = datetime(2016, 1, 1) + timedelta(days=rng.randint(0, 3650))
            days = rng.randint(5, 400)
            category = rng.choice(CATEGORIES)
            yield (rng.randint(1, UNITS), rng.choice(["advice", "report"]), category,
                   rng.choice(SUBS) if category == "ongewenste_omgangsvormen" else None,
                   "rijk-2024", rng.choice(["anonymous", "confidential", "open"]), "web",
                   rng.choice(OUTCOMES), received, received + timedelta(days=3),
                   received + timedelta(days=days), rng.random() < 0.9, rng.random() < 0.8,
                   days, rng.random() < 0.05, received)

    copy_rows(raw, "case_tally", [
        "unit_id", "track", "category", "subcategory", "typology_version", "channel",
        "intake_channel", "outcome", "received_on", "acknowledged_on", "closed_on",
        "acknowledged_in_time", "feedback_in_time", "days_to_close", "escalated",
        "recorded_at"], tallies())


def vacuum_analyze(name: str) -> None:
    """As autovacuum leaves a settled database: statistics and visibility map."""
    engine = create_engine(database_url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def admin_execute(statement: str) -> None:
    engine = create_engine(maintenance_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


# --- the app ------------------------------------------------------------------------------


def prepare_keys(folder: Path) -> None:
    from app.crypto.kdf import Argon2Params
    from app.keyring import create_missing_secrets, create_recovery_key

    create_missing_secrets(folder / "keys")
    create_recovery_key(folder / "keys", folder / "recovery.offline", "bench passphrase 1234",
                        Argon2Params(1, 1024, 1))


def make_app(name: str, folder: Path):  # type: ignore[no-untyped-def]
    from app import create_app
    from app.config import PasswordHashParams, Settings
    from app.crypto.kdf import Argon2Params

    fast = Argon2Params(1, 1024, 1)
    settings = Settings(env="testing", secret_key="bench" * 10, database_url=database_url(name),
                        instance_dir=folder, keys_dir=folder / "keys",
                        storage_dir=folder / "storage",
                        password_hash=PasswordHashParams(1, 1024, 1), key_derivation=fast,
                        receipt_derivation=fast)
    return create_app(settings)


def seed(app) -> None:  # type: ignore[no-untyped-def]
    from app.cli.demo import seed_units
    from app.web.extensions import db

    with app.app_context():
        seed_units(db.session)
        db.session.commit()


def dispose(app) -> None:  # type: ignore[no-untyped-def]
    """Close the app's connections (a database in use can not be dropped or copied)."""
    app.extensions["meldpunt.engine"].dispose()


class RssPeak:
    """Peak resident set size of this process while running, from VmRSS."""

    def __init__(self) -> None:
        self.before = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.before) / 2**20


# --- measurements -------------------------------------------------------------------------


def measure_audit(app, repeats: int, entries: int) -> tuple[list[float], str]:  # type: ignore[no-untyped-def]
    from app.web.extensions import db

    rt = app.extensions["meldpunt.runtime"]
    times: list[float] = []
    note = ""
    with app.app_context():
        for i in range(repeats):
            started = time.perf_counter()
            verdict = rt.audit.verify(db.session)
            times.append(time.perf_counter() - started)
            db.session.rollback()
            assert verdict.ok and verdict.checked == entries, verdict
            log(f"audit verify {i + 1}/{repeats}: {times[-1]:.2f} s")
            if sum(times) > BUDGET_SECONDS["audit"] and i + 1 < repeats:
                note = f"audit verify repeated {len(times)}x, not {repeats}x (time budget). "
                break
    return times, note


def measure_stats(app, repeats: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    from app.stats.report import build_report
    from app.web.extensions import db
    from app.web.stats_export import to_csv

    times: list[float] = []
    size = 0
    with app.app_context():
        for i in range(repeats + 1):  # the first is a warm-up
            started = time.perf_counter()
            size = len(to_csv(build_report(db.session, STATS_YEAR, 5, now=SWEEP_NOW,
                                           zone=app.extensions["meldpunt.settings"].zone)))
            elapsed = time.perf_counter() - started
            db.session.rollback()
            if i:
                times.append(elapsed)
            log(f"statistics {STATS_YEAR}{' (warm-up)' if not i else ''}: {elapsed:.2f} s")
    return times, size


def build_sweep_template(folder: Path, expired: int) -> None:
    import psycopg

    scratch_database(SWEEP_TEMPLATE)
    app = make_app(SWEEP_TEMPLATE, folder)
    seed(app)
    dispose(app)
    with psycopg.connect(psycopg_url(database_url(SWEEP_TEMPLATE))) as raw:
        made = fill_expired_cases(raw, expired, files=folder / TEMPLATE_FILES)
    log(f"sweep template: {expired:,} full cases, {made:,} attachment files")
    vacuum_analyze(SWEEP_TEMPLATE)


def sweep_once(folder: Path, expired: int) -> tuple[float, float]:
    from app.models import CaseTally
    from app.retention.sweep import run_sweep
    from app.web.extensions import db

    drop_database(SWEEP_DB)
    admin_execute(f'CREATE DATABASE "{SWEEP_DB}" TEMPLATE "{SWEEP_TEMPLATE}" '
                  "STRATEGY FILE_COPY")
    # The file store as the template left it: real copies (not links), so
    # the sweep's deletions free the files' blocks as in production.
    shutil.rmtree(folder / "storage", ignore_errors=True)
    shutil.copytree(folder / TEMPLATE_FILES, folder / "storage")
    app = make_app(SWEEP_DB, folder)
    rt = app.extensions["meldpunt.runtime"]
    try:
        with app.app_context():
            db.session.execute(text("SELECT 1"))  # connect before measuring memory
            db.session.rollback()
            with RssPeak() as rss:
                started = time.perf_counter()
                report = run_sweep(db.session, rt, now=SWEEP_NOW)
                elapsed = time.perf_counter() - started
            assert len(report.deleted) == expired, len(report.deleted)
            assert db.session.query(CaseTally).count() == expired
            left = sum(1 for path in (folder / "storage").rglob("*") if path.is_file())
            assert left == 0, f"{left} attachment files left after the sweep"
            db.session.rollback()
    finally:
        dispose(app)
        drop_database(SWEEP_DB)
    return elapsed, rss.growth_mib


def measure_sweep(folder: Path, expired: int, repeats: int) -> tuple[list[float], list[float],
                                                                        str]:
    times: list[float] = []
    growth: list[float] = []
    note = ""
    for i in range(repeats):
        seconds, mib = sweep_once(folder, expired)
        times.append(seconds)
        growth.append(mib)
        log(f"retention sweep {i + 1}/{repeats}: {seconds:.1f} s, "
            f"{expired / seconds:,.0f} cases/s, peak RSS +{mib:.1f} MiB")
        if sum(times) > BUDGET_SECONDS["sweep"] and i + 1 < repeats:
            note = f"sweep repeated {len(times)}x, not {repeats}x (time budget). "
            break
    return times, growth, note


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--audit", type=int, default=None)
    parser.add_argument("--expired", type=int, default=None)
    parser.add_argument("--tallies", type=int, default=None)
    parser.add_argument("--sweep-repeats", type=int, default=None,
                        help="default: min(repeats, 3) - each sweeps a fresh copy of the cases")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    sizes = dict(QUICK if args.quick else FULL)
    for key in sizes:
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    repeats = max(1, args.repeats)
    sweep_repeats = args.sweep_repeats or min(repeats, 3)

    folder = Path(tempfile.mkdtemp(prefix="meldpunt-bench-history-"))
    prepare_keys(folder)
    try:
        rows, notes = run(folder, sizes, repeats, sweep_repeats)
    finally:
        if not args.keep:
            for name in (BASE_DB, SWEEP_DB, SWEEP_TEMPLATE):
                drop_database(name)
    emit(MODULE, rows, notes)


def run(folder: Path, sizes: dict[str, int], repeats: int,
        sweep_repeats: int) -> tuple[list[dict], str]:
    import psycopg

    from app.web.extensions import db

    started = time.perf_counter()
    scratch_database(BASE_DB)
    app = make_app(BASE_DB, folder)
    seed(app)
    key = app.extensions["meldpunt.runtime"].keyring.audit_key
    with psycopg.connect(psycopg_url(database_url(BASE_DB))) as raw:
        fill_audit(raw, key, sizes["audit"])
        # Live cases for the statistics too (closed in 2012, as the sweep's).
        fill_expired_cases(raw, sizes["expired"])
        fill_tallies(raw, sizes["tallies"])
    vacuum_analyze(BASE_DB)
    log(f"filled {sizes['audit']:,} audit entries, {sizes['expired']:,} cases, "
        f"{sizes['tallies']:,} tallies in {time.perf_counter() - started:.0f} s")

    audit_times, audit_note = measure_audit(app, repeats, sizes["audit"])
    stats_times, csv_size = measure_stats(app, repeats)
    with app.app_context():
        counted = db.session.execute(text(
            "SELECT count(*) FROM case_tally WHERE received_on >= :a AND received_on < :b"),
            {"a": datetime(STATS_YEAR, 1, 1), "b": datetime(STATS_YEAR + 1, 1, 1)}).scalar()
    dispose(app)
    drop_database(BASE_DB)

    build_sweep_template(folder, sizes["expired"])
    sweep_times, sweep_growth, sweep_note = measure_sweep(folder, sizes["expired"],
                                                          sweep_repeats)

    audit_s, stats_s, sweep_s = median(audit_times), median(stats_times), median(sweep_times)
    n_audit, n_cases, n_tallies = sizes["audit"], sizes["expired"], sizes["tallies"]
    rows = [
        row(4, f"statistics for one year (report + CSV), {n_tallies:,} tallies + "
            f"{n_cases:,} cases", stats_s, "s", "≤ 2 s", stats_s <= 2,
            f"{spread(stats_times, 's', 2)}, n={len(stats_times)}; {counted:,} tallies in "
            f"{STATS_YEAR}; {csv_size:,} bytes of CSV"),
        row(5, f"audit verify, {n_audit:,} entries", audit_s, "s", "≤ 10 s", audit_s <= 10,
            f"{spread(audit_times, 's', 2)}, n={len(audit_times)}"),
        row(5, "audit verify rate", n_audit / audit_s, "entries/s", "", None,
            f"{n_audit:,} entries"),
        row(6, f"retention sweep, {n_cases:,} expired cases", sweep_s, "s", "≤ 300 s",
            sweep_s <= 300, f"{spread(sweep_times, 's', 1)}, n={len(sweep_times)}"),
        row(6, "retention sweep rate", n_cases / sweep_s, "cases/s", "", None,
            f"{n_cases:,} cases, batches of 500"),
        row(6, "retention sweep peak RSS growth", median(sweep_growth), "MiB", "≤ 64 MiB",
            max(sweep_growth) <= 64, f"{spread(sweep_growth, 'MiB', 1)}, n={len(sweep_growth)}"),
    ]
    notes = (
        f"{'Full' if sizes == FULL else 'Custom/quick'} sizes. {audit_note}{sweep_note}"
        f"Sweep: {len(sweep_times)} repeat(s), each on a fresh copy (CREATE DATABASE TEMPLATE) "
        "of a database with the expired cases only (no audit or tally history), each case "
        "full: report and identity ciphertext, 2 holders with 3 compartment wraps each, the "
        "receipt, 2-6 messages, a note, minutes (1 case in 5) and one attachment whose "
        "20 kB file is in the file store (copied afresh before each repeat; the sweep must "
        "leave none); RSS = VmRSS sampled every 20 ms minus VmRSS before (the process has "
        "filled and freed data before, so this is growth beyond what it already held). "
        "Statistics: one "
        "warm-up run not counted; tallies in random order of receipt (worst case for "
        "locality). VACUUM ANALYZE after the fill (a settled database). Argon2 at the tests' "
        "fast settings (not measured here).")
    return rows, notes


if __name__ == "__main__":
    main()

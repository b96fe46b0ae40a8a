"""Benchmark: a ministry's years of history on PostgreSQL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.history [--audit 1000000] [--expired 100000] \\
        [--tallies 1000000]

Creates a scratch database, fills it with bulk COPY (audit entries with a
real hash chain and HMACs; closed cases past their retention period, each
with key wraps; anonymised tallies over ten years) and times:
- `audit verify` over all entries (entries per second);
- a retention sweep over the expired cases (cases per second, peak RSS);
- the statistics for one year (build + CSV export).
The scratch database is dropped afterwards. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import random
import resource
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.audit.log import GENESIS, _canonical
from app.config import PasswordHashParams, Settings, _normalise_database_url
from app.crypto.kdf import Argon2Params

UNITS = 6
CATEGORIES = ["financiele_schendingen", "misbruik_positie", "lekken_misbruik_informatie",
              "ongewenste_omgangsvormen", "oneigenlijk_gebruik_dienstmiddelen", None]
SUBS = ["pesten", "seksuele_intimidatie", "agressie_geweld", "discriminatie_racisme", "overig"]
OUTCOMES = ["advice_given", "referred", "withdrawn", "unfounded", "not_established", "founded"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy_rows(raw, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    raw.commit()


def fill_audit(raw, key: bytes, count: int) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2016, 1, 1, tzinfo=UTC)

    def rows():  # type: ignore[no-untyped-def]
        prev = GENESIS
        for seq in range(1, count + 1):
            at = start + timedelta(seconds=seq * 30)
            fields = (seq, at, f"user:{seq % 40 + 1}", "case.open", "case",
                      f"MP-{seq % 9999:04d}-BENCH", "ok", "web")
            digest = hashlib.sha256(prev.encode() + _canonical(*fields)).hexdigest()
            mac = hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()
            yield (*fields[:2], *fields[2:], prev, digest, mac)
            prev = digest

    copy_rows(raw, "audit_entry", ["seq", "at", "actor", "action", "object_type", "object_id",
                                   "result", "origin", "prev_hash", "entry_hash", "mac"],
              ((r[0], r[1].replace(tzinfo=None), *r[2:]) for r in rows()))


def fill_expired_cases(raw, count: int) -> None:  # type: ignore[no-untyped-def]
    closed = datetime(2012, 6, 1)
    rng = random.Random(7)

    def cases():  # type: ignore[no-untyped-def]
        for i in range(1, count + 1):
            category = rng.choice(CATEGORIES)
            yield (i, f"MP-X{i:07d}", rng.randint(1, UNITS), rng.choice(["advice", "report"]),
                   category, rng.choice(SUBS) if category == "ongewenste_omgangsvormen" else None,
                   "rijk-2024", rng.choice(["anonymous", "confidential", "open"]), "web",
                   "closed", closed - timedelta(days=90), closed - timedelta(days=83),
                   closed - timedelta(days=86), closed, closed, rng.choice(OUTCOMES), False, 1,
                   secrets.token_bytes(200))

    copy_rows(raw, "case_file", [
        "id", "number", "unit_id", "track", "category", "subcategory", "typology_version",
        "channel", "intake_channel", "state", "received_at", "acknowledge_due_at",
        "acknowledged_at", "feedback_due_at", "closed_at", "outcome", "legal_hold", "version",
        "report_ciphertext"], cases())
    copy_rows(raw, "key_wrap", ["case_id", "recipient", "suite_id", "key_fingerprint",
                                "wrapped_key", "granted_at"],
              ((i, "recovery", "bench", "0" * 64, secrets.token_bytes(1168), closed)
               for i in range(1, count + 1)))


def fill_tallies(raw, count: int) -> None:  # type: ignore[no-untyped-def]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--expired", type=int, default=100_000)
    parser.add_argument("--tallies", type=int, default=1_000_000)
    args = parser.parse_args()

    base = make_url(_normalise_database_url(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")))
    name = f"meldpunt_bench_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    folder = Path(tempfile.mkdtemp(prefix="meldpunt-bench-"))
    try:
        run(url, folder, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, folder: Path, args: argparse.Namespace) -> None:
    from app import create_app
    from app.demo import seed_units
    from app.extensions import db
    from app.keyring import create_missing_secrets, create_recovery_key
    from app.retention.sweep import run_sweep
    from app.stats.export import to_csv
    from app.stats.report import build_report

    fast = Argon2Params(1, 1024, 1)
    create_missing_secrets(folder / "keys")
    create_recovery_key(folder / "keys", folder / "recovery.offline", "bench passphrase 1234", fast)
    settings = Settings(env="testing", secret_key="bench" * 10, database_url=url,
                        instance_dir=folder, keys_dir=folder / "keys",
                        storage_dir=folder / "storage",
                        password_hash=PasswordHashParams(1, 1024, 1), key_derivation=fast,
                        receipt_derivation=fast)
    app = create_app(settings)
    with app.app_context():
        app.test_cli_runner().invoke(args=["db", "upgrade"])
        seed_units(db.session)
        db.session.commit()
        rt = app.extensions["meldpunt.runtime"]
        # Keep the pool's proxy alive: dropping it would hand this connection
        # back to the pool while COPY still uses it.
        proxy = db.engine.raw_connection()
        raw = proxy.driver_connection
        results = []

        started = time.perf_counter()
        fill_audit(raw, rt.keyring.audit_key, args.audit)
        print(f"filled {args.audit:,} audit entries in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        verdict = rt.audit.verify(db.session)
        elapsed = time.perf_counter() - started
        assert verdict.ok, verdict
        results.append(("audit verify", f"{args.audit:,} entries", elapsed,
                         f"{args.audit / elapsed:,.0f} entries/s"))
        db.session.close()

        fill_expired_cases(raw, args.expired)
        with db.engine.begin() as conn:
            conn.execute(text("SELECT setval('case_file_id_seq', :n)"), {"n": args.expired})
        rss_before = rss_mb()
        started = time.perf_counter()
        report = run_sweep(db.session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
        elapsed = time.perf_counter() - started
        assert len(report.deleted) == args.expired, len(report.deleted)
        results.append(("retention sweep", f"{args.expired:,} expired cases", elapsed,
                        f"{args.expired / elapsed:,.0f} cases/s, peak RSS +"
                        f"{rss_mb() - rss_before:.0f} MB"))
        db.session.close()

        fill_tallies(raw, args.tallies)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        for _ in range(2):
            started = time.perf_counter()
            csv_text = to_csv(build_report(db.session, 2021, 5))
            elapsed = time.perf_counter() - started
        results.append(("statistics for one year", f"{args.tallies + args.expired:,} tallies",
                        elapsed, f"{len(csv_text):,} bytes of CSV"))
        proxy.close()

    print("\n| measurement | size | seconds | rate |\n|---|---|---|---|")
    for label, size, seconds, rate in results:
        print(f"| {label} | {size} | {seconds:.2f} | {rate} |")


if __name__ == "__main__":
    main()

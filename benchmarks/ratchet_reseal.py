"""Benchmark: the daily re-seal of the erasure ratchet on PostgreSQL (issue #20).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.ratchet_reseal [--cases 100000] [--staff-holders 1]

Fills a scratch database `meldpunt_bench_ratchet` with live (open) cases by
bulk COPY, each with its wraps sealed to a day inside the re-seal horizon
(today + 10 < today + lease/2): per case one key-wrap row per holder, a
compartment wrap per compartment each holder holds (a staff holder 3, the
recovery key 4, the reporter 3), a receipt (its private-key ciphertext
sealed). Wrap bytes are random of the real length (1,168 bytes: HPKE
ML-KEM-768 + X25519 of a 32-byte key), sealed with the instance's ratchet
as the application seals them; the re-seal opens and seals every one.
Then runs what `meldpunt retention run` runs for the ratchet
(`seals.reseal_due` and `seals.advance`) and reports time, rows, and WAL
volume (pg_current_wal_lsn before and after); then a second sweep on the
same day (nothing due) for the steady-state cost. Prints one BENCH_RESULT
line last. The scratch database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import secrets
import time
from datetime import UTC, datetime, timedelta

import psycopg

from benchmarks.datagen import _copy, make_instance, psycopg_url
from benchmarks.results import emit, row

MODULE = "ratchet_reseal"
DB = "meldpunt_bench_ratchet"
WRAP_LEN = 1168


def _fill(instance, cases: int, staff_holders: int) -> int:  # type: ignore[no-untyped-def]
    from app.cases import seals
    from app.crypto import ratchet

    keys = ratchet.day_keys(instance.keys_dir)
    today = datetime.now(UTC).date()
    day = today + timedelta(days=10)
    now = datetime.now(UTC).replace(tzinfo=None)
    sealed_rows = 0
    with psycopg.connect(psycopg_url(instance.url)) as conn:
        unit = conn.execute("SELECT id FROM unit LIMIT 1").fetchone()[0]
        # Staff holders as clear rows only (no account: re-sealing needs none).
        users = list(range(1, staff_holders + 1))
        holders: list[tuple[str, int | None, tuple[str, ...]]] = [
            (f"user:{u}", None, ("report", "conversation", "casefile")) for u in users]
        holders += [("recovery", None, ("report", "identity", "conversation", "casefile")),
                    ("reporter", None, ("report", "identity", "conversation"))]
        per_batch = 10_000
        key_wrap_id = 0
        for start in range(0, cases, per_batch):
            case_rows, kw_rows, cw_rows, receipts = [], [], [], []
            for case_id in range(start + 1, min(cases, start + per_batch) + 1):
                case_rows.append((case_id, f"MP-R{case_id:07d}", unit, "report", "rijk-2024",
                                  "confidential", "web", "received", now, now, now, False, 1))
                for recipient, user_id, compartments in holders:
                    key_wrap_id += 1
                    kw_rows.append((key_wrap_id, case_id, recipient, user_id, "bench",
                                    "0" * 64, now))
                    for compartment in compartments:
                        cw_rows.append((key_wrap_id, case_id, compartment, 1, seals.seal(
                            keys, secrets.token_bytes(WRAP_LEN), kind=seals.COMPARTMENT_WRAP,
                            day=day), day, now))
                receipts.append((case_id, secrets.token_hex(4), secrets.token_bytes(16),
                                 "[1,1024,1]", secrets.token_bytes(32), secrets.token_bytes(
                                     1216), seals.seal(keys, secrets.token_bytes(124),
                                                       kind=seals.RECEIPT_PRIVATE_KEY,
                                                       day=day), day, now, False))
            _copy(conn, "case_file", [
                "id", "number", "unit_id", "track", "typology_version", "channel",
                "intake_channel", "state", "received_at", "acknowledge_due_at",
                "feedback_due_at", "legal_hold", "version"], case_rows)
            _copy(conn, "key_wrap", ["id", "case_id", "recipient", "user_id", "suite_id",
                                     "key_fingerprint", "granted_at"], kw_rows)
            _copy(conn, "compartment_wrap", ["key_wrap_id", "case_id", "compartment",
                                             "generation", "wrapped_key", "seal_day",
                                             "created_at"], cw_rows)
            _copy(conn, "receipt", ["case_id", "locator", "salt", "kdf_params", "verifier",
                                    "public_key", "private_key_ciphertext", "seal_day",
                                    "created_at", "handed_over"], receipts)
            sealed_rows += len(cw_rows) + len(receipts)
            conn.commit()
        conn.execute("SELECT setval('case_file_id_seq', %s)", (cases,))
        conn.execute("SELECT setval('key_wrap_id_seq', %s)", (key_wrap_id,))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    return sealed_rows


def _lsn(instance) -> str:  # type: ignore[no-untyped-def]
    with psycopg.connect(psycopg_url(instance.url)) as conn:
        return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])


def _wal_bytes(instance, before: str, after: str) -> int:  # type: ignore[no-untyped-def]
    with psycopg.connect(psycopg_url(instance.url)) as conn:
        return int(conn.execute("SELECT pg_wal_lsn_diff(%s, %s)", (after, before))
                   .fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--staff-holders", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from app.cases import seals
    from app.web.extensions import db

    instance = make_instance(DB, production_argon2=False)
    try:
        started = time.perf_counter()
        sealed = _fill(instance, args.cases, args.staff_holders)
        fill_s = time.perf_counter() - started
        app = instance.app()
        with app.app_context():
            rt = app.extensions["meldpunt.runtime"]
            before = _lsn(instance)
            started = time.perf_counter()
            report = seals.reseal_due(db.session, rt)
            day = seals.advance(db.session, rt, datetime.now(UTC).date())
            reseal_s = time.perf_counter() - started
            after = _lsn(instance)
            wal = _wal_bytes(instance, before, after)
            started = time.perf_counter()
            again = seals.reseal_due(db.session, rt)
            idle_s = time.perf_counter() - started
            db.session.close()
        app.extensions["meldpunt.engine"].dispose()
        detail = (f"{args.cases:,} live cases, {sealed:,} sealed values "
                  f"({args.staff_holders} staff holder(s) + recovery + reporter); "
                  f"fill {fill_s:.0f} s; ratchet at {day}")
        rows = [
            row(20, "daily re-seal, all cases due", reseal_s, "s", detail=detail),
            row(20, "re-seal rate", report.rows / reseal_s if reseal_s else 0, "values/s",
                detail=f"{report.cases:,} cases, {report.rows:,} values re-sealed"),
            row(20, "WAL written by the re-seal", wal / 2**20, "MiB",
                detail=f"{wal / max(report.rows, 1):.0f} bytes per re-sealed value"),
            row(20, "second sweep the same day (nothing due)", idle_s, "s",
                detail=f"{again.cases} cases re-sealed"),
        ]
        for item in rows:
            print(f"{item['metric']}: {item['value']} {item['unit']}  ({item['detail']})")
        emit(MODULE, rows, notes="PostgreSQL; one process; batches of 500 cases per "
                                 "transaction (seals.reseal_due).")
    finally:
        if not args.keep:
            instance.close()


if __name__ == "__main__":
    main()

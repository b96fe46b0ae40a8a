"""Benchmark: the queue page with 100 and with 100,000 cases (PostgreSQL).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.queue_page [--cases 100000] [--requests 40]

Creates (and afterwards drops) a scratch database `meldpunt_bench_queue`, fills
it with metadata-only cases (no content is needed to list them) and times
GET /medewerkers/zaken/ for an intake officer, an IC and the ICC through the
full Flask stack. Prints p50/p95 per request and the ratio 100k : 100.
Not part of the test run (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pyotp
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import Settings, _normalise_database_url
from app.extensions import db
from app.keyring import create_missing_secrets, create_recovery_key
from app.models import Case, KeyWrap, Message, utcnow
from tests.conftest import FAST_ARGON2, FAST_PASSWORD_HASH, PASSWORD, RECOVERY_PASSPHRASE, _migrate

DB_NAME = "meldpunt_bench_queue"
STATES = ("received", "acknowledged", "with_vp", "with_ic", "inquiry",
          "external_investigation", "decision", "closed", "closed", "closed")


def _admin_url() -> str:
    return _normalise_database_url(os.environ["DATABASE_URL"])


def _fresh_database() -> str:
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = make_url(_admin_url()).set(database=DB_NAME).render_as_string(hide_password=False)
    _migrate(url)
    return url


def _drop_database() -> None:
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


def _fill(session, units: dict, count: int, holders: list[int]) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    now = utcnow()
    unit_ids = [u.id for code, u in units.items() if u.kind == "unit"]
    batch: list[dict] = []
    wraps: list[dict] = []
    messages: list[dict] = []
    start_id = 1
    for i in range(count):
        received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 900))
        state = rng.choice(STATES)
        acknowledged = received + timedelta(days=rng.randint(0, 9)) if state != "received" else None
        batch.append({
            "id": start_id + i, "number": f"MP-B{i:07d}", "unit_id": rng.choice(unit_ids),
            "track": rng.choice(("advice", "report")), "channel": "anonymous",
            "intake_channel": "web", "state": state, "received_at": received,
            "acknowledge_due_at": received + timedelta(days=7), "acknowledged_at": acknowledged,
            "feedback_due_at": (acknowledged or received + timedelta(days=7)) + timedelta(days=91),
            "closed_at": now if state == "closed" else None, "version": 1,
            "typology_version": "rijk-2024", "legal_hold": False,
        })
        if i % 3 == 0:
            wraps.append({"case_id": start_id + i, "recipient": f"user:{holders[i % len(holders)]}",
                          "user_id": holders[i % len(holders)], "suite_id": "bench",
                          "key_fingerprint": "x", "wrapped_key": b"x", "granted_at": now})
        if i % 5 == 0:
            messages.append({"case_id": start_id + i,
                             "author_kind": rng.choice(("staff", "reporter")),
                             "created_at": received + timedelta(days=1),
                             "body_ciphertext": b"x"})
        if len(batch) >= 5000:
            session.execute(insert(Case.__table__), batch)
            batch = []
    if batch:
        session.execute(insert(Case.__table__), batch)
    for chunk in range(0, len(wraps), 5000):
        session.execute(insert(KeyWrap.__table__), wraps[chunk:chunk + 5000])
    for chunk in range(0, len(messages), 5000):
        session.execute(insert(Message.__table__), messages[chunk:chunk + 5000])
    session.execute(text("SELECT setval('case_file_id_seq', (SELECT max(id) FROM case_file))"))
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()


def _timed(client, url: str, requests: int) -> list[float]:  # type: ignore[no-untyped-def]
    client.get(url)  # warm up
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def run(count: int, requests: int) -> dict[str, tuple[float, float]]:
    from app.accounts import service, totp
    from app.demo import seed_units
    from tests.conftest import IsolatedClient

    url = _fresh_database()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        keys_dir = tmp_path / "keys"
        create_missing_secrets(keys_dir)
        create_recovery_key(keys_dir, tmp_path / "recovery.offline", RECOVERY_PASSPHRASE,
                            FAST_ARGON2)
        settings = Settings(env="testing", secret_key="bench-secret-key-0123456789-abcdefghij",
                            database_url=url, instance_dir=tmp_path, keys_dir=keys_dir,
                            storage_dir=tmp_path / "storage", password_hash=FAST_PASSWORD_HASH,
                            key_derivation=FAST_ARGON2, receipt_derivation=FAST_ARGON2)
        app = create_app(settings)
        app.test_client_class = IsolatedClient
        results: dict[str, tuple[float, float]] = {}
        with app.app_context():
            rt = app.extensions["meldpunt.runtime"]
            session = db.session
            units = seed_units(session)
            staff = {}
            for role in ("intake", "integriteitscoordinator", "icc"):
                user, _ = service.create_user(
                    session, rt, email=f"{role}@bench.test", display_name=role,
                    unit=units["kerndepartement"], roles={role}, actor="system", origin="cli")
                secret = totp.new_totp_secret()
                service.enrol_directly(session, rt, user, PASSWORD, secret)
                session.commit()
                staff[role] = (user, secret)
            _fill(session, units, count, [u.id for u, _ in staff.values()])
            session.close()
            for role, (user, secret) in staff.items():
                client = app.test_client()
                from tests.conftest import csrf_from

                page = client.get("/medewerkers/inloggen").get_data(as_text=True)
                client.post("/medewerkers/inloggen", data={
                    "csrf_token": csrf_from(page), "email": user.email, "password": PASSWORD})
                page = client.get("/medewerkers/inloggen/code").get_data(as_text=True)
                client.post("/medewerkers/inloggen/code", data={
                    "csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()})
                for tab in ("all", "overdue"):
                    times = _timed(client, f"/medewerkers/zaken/?tab={tab}&pagina=3", requests)
                    results[f"{role}/{tab}"] = (statistics.median(times), _p95(times))
        app.extensions["meldpunt.engine"].dispose()
    _drop_database()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    small = run(100, args.requests)
    large = run(args.cases, args.requests)
    print(f"{'view':<34}{'p50 100':>10}{'p95 100':>10}{'p50 big':>10}{'p95 big':>10}"
          f"{'ratio p95':>10}")
    for key in small:
        s50, s95 = small[key]
        l50, l95 = large[key]
        print(f"{key:<34}{s50:>10.1f}{s95:>10.1f}{l50:>10.1f}{l95:>10.1f}{l95 / s95:>10.1f}")


if __name__ == "__main__":
    main()

"""Benchmark (issue #11 item 3): the staff queue page with 100 and with 100,000
cases, for every role's queue (PostgreSQL).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.queue_page [--repeats 5] [--quick] \\
        [--cases 100000] [--requests 20] [--keep]

For each size a scratch database `meldpunt_bench_queue_page_<size>` is created,
filled ONCE (bulk COPY) with cases of realistic row widths (the page lists
them without decrypting, but the rows it reads are as wide as real ones):
random bytes where the real code stores ciphertext - the report (400 to
4,000 bytes), messages (100 to 800), referral packages (2,000) - and per case
the holders a real case has (its handler, the recovery key and the reporter's
receipt), each with 3 compartment wraps of 1,197 bytes (the HPKE ML-KEM-768 +
X25519 wrap, as measured on a case made by the real code; the whole-case
`wrapped_key` is empty as on every case since migration 0017), referrals,
the reporters' events and the holders' unread marks (where the schema has
them), shaped like a ministry's backlog:
- intake officer: holds every case still at intake plus the cases closed at
  intake (a third of all cases), sees "all" of them;
- vertrouwenspersoon (VP): only the cases they hold;
- integrity coordinator (IC): the formal reports of their unit;
- ICC: every formal report (half of all cases), metadata only;
- external investigator: what was referred to their bureau.
Then GET /medewerkers/zaken/?tab=all&pagina=3 is timed through the full Flask
stack (session, CSRF, template) `--requests` times per role and repeat. Each
repeat gives a p95 per role; the result is the median over `--repeats` (with
min and max). The ratio is p95(100,000) : p95(100). Argon2 costs are the
tests' fast ones: signing in is not what is measured. The databases are
dropped afterwards unless `--keep` (for EXPLAIN ANALYZE by hand).

Prints a table and, last, one `BENCH_RESULT {...}` line (benchmarks protocol).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pyotp
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import Settings, _normalise_database_url
from app.keyring import create_missing_secrets, create_recovery_key
from app.models import utcnow
from app.web.extensions import db
from tests.conftest import (
    FAST_ARGON2,
    FAST_PASSWORD_HASH,
    PASSWORD,
    RECOVERY_PASSPHRASE,
    IsolatedClient,
    _migrate,
    csrf_from,
)

MODULE = "queue_page"
TARGET_MS = 150.0
TARGET_RATIO = 2.0
WRAP_BYTES = 1197  # one compartment key wrapped with HPKE (measured, see above)
COMPARTMENTS = ("report", "conversation", "casefile")
SUITE = "hpke-v1:MLKEM768-X25519:HKDF-SHA256:AES-256-GCM"
STATES = ("received", "acknowledged", "with_vp", "with_ic", "inquiry",
          "external_investigation", "decision", "closed", "closed", "closed")
# role -> (unit code, label in the report)
ROLES = {
    "intake": ("kerndepartement", "intake (all)"),
    "vertrouwenspersoon": ("kerndepartement", "VP (own)"),
    "integriteitscoordinator": ("kerndepartement", "IC (unit)"),
    "icc": ("kerndepartement", "ICC (metadata only)"),
    "external_investigator": ("bureau-integriteit", "bureau (referred)"),
}
URL = "/medewerkers/zaken/?tab=all&pagina=3"


def _admin_url() -> str:
    return _normalise_database_url(os.environ["DATABASE_URL"])


def _db_name(count: int) -> str:
    return f"meldpunt_bench_{MODULE}_{count}"


def _admin(statement: str) -> None:
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def _fresh_database(name: str) -> str:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    return url


def _copy(raw, table: str, columns: list[str], rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _fill(url: str, count: int, units: dict[str, int], staff: dict[str, int]) -> dict[str, int]:
    """Bulk-load `count` cases; returns how many cases each role should list."""
    rng = random.Random(7)
    now = utcnow()
    unit_ids = [units[code] for code in ("kerndepartement", "cibg", "cbg", "igj", "rivm", "scp")]
    home = units["kerndepartement"]
    bureau = units["bureau-integriteit"]
    cases, wraps, messages, referrals, events, seen = [], [], [], [], [], []
    compartment_rows: list[tuple] = []
    wrap_ids = iter(range(1, 1 << 40))
    expected = dict.fromkeys(staff, 0)
    engine = create_engine(url)
    with_last_author = "last_author_kind" in {
        column["name"] for column in inspect(engine).get_columns("case_file")}
    # The reporter's events and the holders' unread marks (#23), where the
    # schema has them.
    tables = set(inspect(engine).get_table_names())
    with_events, with_seen = "reporter_event" in tables, "case_seen" in tables
    with_compartments = "compartment_wrap" in tables

    def holder(case_id: int, recipient: str, user_id: int | None) -> None:
        wrap_id = next(wrap_ids)
        fingerprint = rng.randbytes(32).hex()
        if with_compartments:
            wraps.append((wrap_id, case_id, recipient, user_id, SUITE, fingerprint, None, now))
            for compartment in COMPARTMENTS:
                compartment_rows.append((wrap_id, case_id, compartment, 1,
                                         rng.randbytes(WRAP_BYTES), now.date(), now))
        else:  # the schema before compartments: one whole-case wrap
            wraps.append((wrap_id, case_id, recipient, user_id, SUITE, fingerprint,
                          rng.randbytes(WRAP_BYTES), now))

    def body() -> bytes:
        return rng.randbytes(rng.randint(100, 800))

    def wrap(case_id: int, role: str) -> None:
        holder(case_id, f"user:{staff[role]}", staff[role])
        held.add(role)

    for i in range(count):
        case_id = i + 1
        held: set[str] = set()
        received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 900))
        state = rng.choice(STATES)
        track = rng.choice(("advice", "report"))
        unit_id = rng.choice(unit_ids)
        acknowledged = received + timedelta(days=rng.randint(0, 9)) if state != "received" else None
        feedback_due = (acknowledged or received + timedelta(days=7)) + timedelta(days=91)
        first_message = len(messages)
        closed_at_intake = state == "closed" and i % 2 == 0
        if state in ("received", "acknowledged") or closed_at_intake:
            wrap(case_id, "intake")
        elif track == "advice" and unit_id == home and state in ("with_vp", "closed"):
            wrap(case_id, "vertrouwenspersoon")
        elif track == "report" and unit_id == home:
            wrap(case_id, "integriteitscoordinator")
        # Every case: the recovery key and the reporter's receipt hold it too.
        holder(case_id, "recovery", None)
        holder(case_id, "reporter", None)
        if state == "external_investigation" and track == "report" and i % 2 == 0:
            referrals.append((case_id, bureau, now, rng.randbytes(2000), "", False))
            wrap(case_id, "external_investigator")
        # The acknowledgement is a handler's message; some reporters answer,
        # some handlers answer back.
        if acknowledged is not None:
            messages.append((case_id, "staff", acknowledged, body()))
            if i % 3 == 0:
                messages.append((case_id, "reporter", acknowledged + timedelta(days=2),
                                 body()))
                events.append((case_id, "reply", (acknowledged + timedelta(days=2)).date()))
                # Half the holders have seen it (opened the case since).
                for role in held:
                    if i % 2 == 0:
                        seen.append((staff[role], case_id, len(events)))
                if i % 6 == 0:
                    messages.append((case_id, "staff", acknowledged + timedelta(days=4),
                                     body()))
        last_author = messages[-1][1] if len(messages) > first_message else None
        # last_author_kind as content.add_message keeps it (None on a schema
        # without the column: the benchmark of the code before it).
        cases.append((case_id, f"MP-B{i:07d}", unit_id, track, "anonymous", "web", state,
                      received, received + timedelta(days=7), acknowledged, feedback_due,
                      now if state == "closed" else None, 1, "rijk-2024", False,
                      rng.randbytes(rng.randint(400, 4000)))
                     + ((last_author,) if with_last_author else ()))
        # What each role's "all" tab should list (checked against the page).
        for role in staff:
            visible = role in held or (
                role == "intake" and state in ("received", "acknowledged")) or (
                role == "integriteitscoordinator" and track == "report" and unit_id == home) or (
                role == "icc" and track == "report")
            expected[role] += visible

    raw = engine.raw_connection()
    try:
        _copy(raw, "case_file", [
            "id", "number", "unit_id", "track", "channel", "intake_channel", "state",
            "received_at", "acknowledge_due_at", "acknowledged_at", "feedback_due_at",
            "closed_at", "version", "typology_version", "legal_hold", "report_ciphertext"]
            + (["last_author_kind"] if with_last_author else []), cases)
        _copy(raw, "key_wrap", ["id", "case_id", "recipient", "user_id", "suite_id",
                                "key_fingerprint", "wrapped_key", "granted_at"], wraps)
        if with_compartments:
            _copy(raw, "compartment_wrap", ["key_wrap_id", "case_id", "compartment",
                                            "generation", "wrapped_key", "seal_day",
                                            "created_at"], compartment_rows)
        _copy(raw, "message", ["case_id", "author_kind", "created_at", "body_ciphertext"],
              messages)
        _copy(raw, "external_referral", ["case_id", "bureau_id", "created_at",
                                         "package_ciphertext", "attachment_ids",
                                         "includes_identity"], referrals)
        if with_events:
            _copy(raw, "reporter_event", ["case_id", "kind", "happened_on"], events)
        if with_seen:
            _copy(raw, "case_seen", ["user_id", "case_id", "seen_event_id"], seen)
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execute(text("SELECT setval('case_file_id_seq', (SELECT max(id) FROM case_file))"))
        conn.execute(text("SELECT setval('key_wrap_id_seq', (SELECT max(id) FROM key_wrap))"))
        conn.commit()
    # Steady state (autovacuum would get there too): statistics and the
    # visibility map that index-only scans rely on.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return expected


def _sign_in(app, email: str, secret: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/medewerkers/inloggen").get_data(as_text=True)
    client.post("/medewerkers/inloggen", data={
        "csrf_token": csrf_from(page), "email": email, "password": PASSWORD})
    page = client.get("/medewerkers/inloggen/code").get_data(as_text=True)
    response = client.post("/medewerkers/inloggen/code", data={
        "csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302, response.status_code
    return client


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def run(count: int, requests: int, repeats: int, keep: bool) -> dict[str, list[float]]:
    """p95 (ms) per role for each repeat, over one database of `count` cases."""
    from app.accounts import service, totp
    from app.cli.demo import seed_units

    name = _db_name(count)
    url = _fresh_database(name)
    results: dict[str, list[float]] = {role: [] for role in ROLES}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            keys_dir = tmp_path / "keys"
            create_missing_secrets(keys_dir)
            create_recovery_key(keys_dir, tmp_path / "recovery.offline", RECOVERY_PASSPHRASE,
                                FAST_ARGON2)
            settings = Settings(
                env="testing", secret_key="bench-secret-key-0123456789-abcdefghij",
                database_url=url, instance_dir=tmp_path, keys_dir=keys_dir,
                storage_dir=tmp_path / "storage", password_hash=FAST_PASSWORD_HASH,
                key_derivation=FAST_ARGON2, receipt_derivation=FAST_ARGON2)
            app = create_app(settings)
            app.test_client_class = IsolatedClient
            with app.app_context():
                rt = app.extensions["meldpunt.runtime"]
                session = db.session
                units = seed_units(session)
                staff, secrets_ = {}, {}
                for role, (unit_code, _label) in ROLES.items():
                    user, _ = service.create_user(
                        session, rt, email=f"{role}@bench.test", display_name=role,
                        unit=units[unit_code], roles={role}, actor="system", origin="cli")
                    secret = totp.new_totp_secret()
                    service.enrol_directly(session, rt, user, PASSWORD, secret)
                    session.commit()
                    staff[role], secrets_[role] = user.id, secret
                unit_ids = {code: unit.id for code, unit in units.items()}
                session.close()
            started = time.perf_counter()
            expected = _fill(url, count, unit_ids, staff)
            print(f"# {count} cases loaded in {time.perf_counter() - started:.1f} s; "
                  f"visible per role: {expected}", file=sys.stderr)
            clients = {role: _sign_in(app, f"{role}@bench.test", secrets_[role])
                       for role in ROLES}
            for role, client in clients.items():  # warm up and check
                body = client.get(URL).get_data(as_text=True)
                assert "MP-B" in body or expected[role] == 0, role
            for _ in range(repeats):
                for role, client in clients.items():
                    times = []
                    for _ in range(requests):
                        start = time.perf_counter()
                        response = client.get(URL)
                        times.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200, response.status_code
                    results[role].append(_p95(times))
            app.extensions["meldpunt.engine"].dispose()
    finally:
        if not keep:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10,000 cases, fewer requests")
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    cases = args.cases or (10_000 if args.quick else 100_000)
    # p95 by nearest rank: 40 requests leave two above it (20 in a quick run: one).
    requests = args.requests or (20 if args.quick else 40)
    small = run(100, requests, args.repeats, args.keep)
    large = run(cases, requests, args.repeats, args.keep)

    rows = []
    print(f"{'queue':<22}{'p95 100':>10}{'p95 ' + str(cases):>14}{'ratio':>8}   (ms, medians "
          f"of {args.repeats} repeats x {requests} requests)")
    for role, (_unit, label) in ROLES.items():
        s, big = statistics.median(small[role]), statistics.median(large[role])
        ratio = big / s
        print(f"{label:<22}{s:>10.1f}{big:>14.1f}{ratio:>8.2f}")
        sizes = (f"{cases:,} cases vs 100; {args.repeats} repeats x {requests} requests "
                 f"(each repeat's p95 of {requests})")
        rows.append({"item": 3, "metric": f"queue page p95, {label}, {cases:,} cases",
                     "value": round(big, 1), "unit": "ms", "target": f"≤ {TARGET_MS:.0f} ms",
                     "ok": big <= TARGET_MS,
                     "detail": f"{min(large[role]):.1f}–{max(large[role]):.1f} ms; {sizes}"})
        ratios = [b / s_ for b, s_ in zip(large[role], small[role], strict=True)]
        rows.append({"item": 3, "metric": f"queue page p95 ratio {cases:,} : 100, {label}",
                     "value": round(ratio, 2), "unit": "ratio",
                     "target": f"≤ {TARGET_RATIO:.0f}×", "ok": ratio <= TARGET_RATIO,
                     "detail": f"100 cases: {s:.1f} ms ({min(small[role]):.1f}–"
                               f"{max(small[role]):.1f}); per-repeat ratios "
                               f"{min(ratios):.2f}–{max(ratios):.2f}"})
    notes = (f"GET {URL} through the Flask stack (test client, no network), one signed-in "
             "user per role; fast Argon2 (sign-in is not measured); data bulk-loaded then "
             "VACUUM ANALYZE." + (" QUICK run: sizes shrunk." if args.quick else ""))
    print("BENCH_RESULT " + json.dumps({"module": MODULE, "rows": rows, "notes": notes},
                                       ensure_ascii=False))


if __name__ == "__main__":
    main()

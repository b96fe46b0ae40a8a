"""Shared data for the HTTP benchmarks (submission, case_page, load).

- `scratch_database` / `drop_database`: a migrated scratch PostgreSQL database
  next to the maintenance database in DATABASE_URL.
- `Instance`: an instance folder with real keys (`meldpunt init` logic:
  app.keyring) and the settings/environment for the app and for gunicorn.
- `make_staff`: enrolled staff members (password + TOTP) through the real
  account service.
- `real_cases`: cases built through the real submission and crypto code
  (encrypted report, messages, attachments in the file store, key wraps for
  the intake officers, a receipt code, audit entries) - for pages that decrypt.
- `bulk_cases`: many cases spread over five years, units, states, tracks and
  categories with random ciphertext, messages, attachment metadata, key wraps
  and a valid audit chain, written with COPY - for pages that only list them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import PasswordHashParams, Settings, _normalise_database_url
from app.crypto.kdf import Argon2Params

MAINTENANCE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Cheap Argon2id where its cost is not what is measured (receipt codes of
# generated cases; the offline recovery key). Production costs otherwise.
FAST_ARGON2 = Argon2Params(time_cost=1, memory_kib=1024, parallelism=1)
FAST_PASSWORD_HASH = PasswordHashParams(time_cost=1, memory_kib=1024, parallelism=1)
STAFF_PASSWORD = "benchmark staff password, long enough 42"  # noqa: S105 - scratch data
RECOVERY_PASSPHRASE = "benchmark recovery passphrase, long enough"  # noqa: S105

UNIT_CODES = ("kerndepartement", "cibg", "cbg", "igj", "rivm", "scp")
STATES = ("received", "acknowledged", "with_vp", "with_ic", "inquiry",
          "external_investigation", "decision", "closed", "closed", "closed")
CATEGORIES = ("financiele_schendingen", "misbruik_positie", "lekken_misbruik_informatie",
              "ongewenste_omgangsvormen", "oneigenlijk_gebruik_dienstmiddelen", None)
SUBCATEGORIES = ("pesten", "seksuele_intimidatie", "agressie_geweld", "discriminatie_racisme",
                 "overig")
OUTCOMES = ("advice_given", "referred", "withdrawn", "unfounded", "not_established", "founded")
AUDIT_ACTIONS = ("report.submitted", "case.open", "case.acknowledge", "message.sent",
                 "mailbox.sign_in", "case.close")

REPORT_TEXT = (
    "Mijn leidinggevende maakt al maanden kleinerende opmerkingen in het teamoverleg. "
    "Collega's lachen mee; ik durf er niets meer van te zeggen. Het gebeurt vooral op "
    "maandagochtend, in kamer 4.12, en soms in de chat van het team. "
)


def maintenance_url() -> str:
    return _normalise_database_url(os.environ.get("DATABASE_URL") or MAINTENANCE_URL)


def database_url(name: str) -> str:
    return make_url(maintenance_url()).set(database=name).render_as_string(hide_password=False)


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def drop_database(name: str) -> None:
    admin = create_engine(maintenance_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def scratch_database(name: str) -> str:
    """A new, migrated database `name` (dropped first if it exists); its URL."""
    from alembic import command
    from alembic.config import Config

    drop_database(name)
    admin = create_engine(maintenance_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = database_url(name)
    config = Config()
    config.set_main_option("script_location",
                           str(Path(__file__).resolve().parent.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
    return url


def postgres_version() -> str:
    with psycopg.connect(psycopg_url(maintenance_url())) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


# --- the instance ---------------------------------------------------------------


@dataclass
class Instance:
    """An instance folder with keys and a scratch database."""

    db_name: str
    url: str
    root: Path
    production_argon2: bool = True
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    _tmp: tempfile.TemporaryDirectory | None = None

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def storage_dir(self) -> Path:
        return self.root / "storage"

    def settings(self) -> Settings:
        """The app's settings. Receipt codes of generated cases use the cheap
        Argon2id (building them is not what is measured; each receipt row
        stores its own parameters, so the server reads them either way)."""
        strong = self.production_argon2
        return Settings(
            env="development", debug=False, secret_key=self.secret_key, database_url=self.url,
            instance_dir=self.root, keys_dir=self.keys_dir, storage_dir=self.storage_dir,
            password_hash=PasswordHashParams() if strong else FAST_PASSWORD_HASH,
            key_derivation=Argon2Params() if strong else FAST_ARGON2,
            receipt_derivation=FAST_ARGON2,
        )

    def environ(self) -> dict[str, str]:
        """Environment for the server process (Settings.from_env)."""
        env = {
            # Not "production" only because production sets Secure cookies, which
            # an HTTP client on the loopback (no TLS proxy here) does not send
            # back. Everything that costs time is the same: DEBUG is off and the
            # Argon2id costs are production's unless production_argon2 is False.
            "MELDPUNT_ENV": "development", "MELDPUNT_DEBUG": "0",
            "MELDPUNT_SECRET_KEY": self.secret_key, "DATABASE_URL": self.url,
            "MELDPUNT_INSTANCE_DIR": str(self.root), "MELDPUNT_KEYS_DIR": str(self.keys_dir),
            "MELDPUNT_STORAGE_DIR": str(self.storage_dir),
        }
        if not self.production_argon2:
            env.update(MELDPUNT_ARGON2_TIME_COST="1", MELDPUNT_ARGON2_MEMORY_KIB="1024",
                       MELDPUNT_ARGON2_PARALLELISM="1")
        return env

    def app(self):  # type: ignore[no-untyped-def]
        from app import create_app

        return create_app(self.settings())

    def close(self) -> None:
        drop_database(self.db_name)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def make_instance(db_name: str, *, production_argon2: bool = True) -> Instance:
    """Keys as `meldpunt init` makes them, a migrated scratch database, the
    file store and the demo organisation's units."""
    from app.cli.demo import seed_units
    from app.keyring import (
        DEV_ANCHOR_FILE,
        DEV_ANCHOR_PASSPHRASES,
        create_anchor,
        create_missing_secrets,
        create_recovery_key,
    )
    from app.web.extensions import db

    tmp = tempfile.TemporaryDirectory(prefix=f"{db_name}-")
    root = Path(tmp.name)
    url = scratch_database(db_name)
    instance = Instance(db_name=db_name, url=url, root=root,
                        production_argon2=production_argon2, _tmp=tmp)
    create_missing_secrets(instance.keys_dir)
    # The recovery key is only used offline; its Argon2id cost is not measured.
    create_recovery_key(instance.keys_dir, root / "recovery.offline", RECOVERY_PASSPHRASE,
                        FAST_ARGON2)
    # A development trust anchor (published passphrases, as `make run` has):
    # cases are wrapped only to endorsed keys, so make_staff endorses with it.
    create_anchor(instance.keys_dir, root / DEV_ANCHOR_FILE, DEV_ANCHOR_PASSPHRASES, FAST_ARGON2)
    app = instance.app()
    with app.app_context():
        app.extensions["meldpunt.runtime"].files.ensure()
        seed_units(db.session)
        db.session.commit()
    app.extensions["meldpunt.engine"].dispose()
    return instance


# --- staff ------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffLogin:
    email: str
    password: str
    totp_secret: str
    roles: tuple[str, ...]

    def code(self, at: float | None = None) -> str:
        import time

        import pyotp

        return pyotp.TOTP(self.totp_secret).at(time.time() if at is None else at)

    def as_dict(self) -> dict:
        return {"email": self.email, "password": self.password,
                "totp_secret": self.totp_secret, "roles": list(self.roles)}


def make_staff(app, roles: tuple[str, ...], count: int, *,  # type: ignore[no-untyped-def]
               unit: str = "kerndepartement", prefix: str = "") -> list[StaffLogin]:
    """`count` enrolled staff members with `roles` (production Argon2id costs
    when the instance has them, so sign-in costs what it costs in production),
    each handler role's key endorsed with the instance's development anchor."""
    from app.accounts import service, totp, trust
    from app.cli.demo import seed_units
    from app.keyring import (
        DEV_ANCHOR_FILE,
        DEV_ANCHOR_PASSPHRASES,
        anchor_passphrase,
        unlock_secret,
    )
    from app.vocabulary import HANDLER_ROLES
    from app.web.extensions import db

    made = []
    with app.app_context():
        rt = app.extensions["meldpunt.runtime"]
        anchor = rt.settings.instance_dir / DEV_ANCHOR_FILE
        seed = unlock_secret(anchor.read_bytes(), anchor_passphrase(DEV_ANCHOR_PASSPHRASES)) \
            if anchor.exists() else None
        units = seed_units(db.session)
        for n in range(count):
            email = f"{prefix or '-'.join(roles)}{n + 1}@bench.meldpunt.test"
            user, _ = service.create_user(
                db.session, rt, email=email,
                display_name=f"Bench {prefix or ' '.join(roles)} {n + 1}", unit=units[unit],
                roles=set(roles), actor="system", origin="cli")
            secret = totp.new_totp_secret()
            service.enrol_directly(db.session, rt, user, STAFF_PASSWORD, secret)
            for role in sorted(user.roles & HANDLER_ROLES) if seed else ():
                trust.endorse_with_anchor(db.session, rt, seed, user, role,
                                          trust.key_code(user) or "")
            db.session.commit()
            made.append(StaffLogin(email, STAFF_PASSWORD, secret, tuple(roles)))
    return made


# --- cases through the real code -------------------------------------------------------


def pdf_frame(body_size: int) -> tuple[bytes, bytes]:
    """The bytes before and after a page's content stream of `body_size`
    bytes: a real one-page PDF (uploads are opened and cleaned, issue #25)
    whose bulk can be streamed in between."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"]
    head = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(head))
        head += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    offsets.append(len(head))
    head += b"4 0 obj\n<< /Length %d >>\nstream\n" % body_size
    xref_at = len(head) + body_size + len(b"\nendstream\nendobj\n")
    tail = bytearray(b"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n")
    for offset in offsets:
        tail += b"%010d 00000 n \n" % offset
    tail += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(head), bytes(tail)


def pdf_bytes(size: int, seed: int = 0) -> bytes:
    """A real PDF of about `size` bytes (random bytes as its page content)."""
    head, tail = pdf_frame(0)
    body_size = max(0, size - len(head) - len(tail))
    head, tail = pdf_frame(body_size)
    return head + random.Random(seed).randbytes(body_size) + tail


@dataclass(frozen=True)
class RealCase:
    number: str
    receipt_code: str


def real_cases(app, count: int, *, messages: int = 10, attachments: int = 5,  # type: ignore[no-untyped-def]
               attachment_bytes: int = 20_000, seed: int = 3) -> list[RealCase]:
    """Cases submitted through the real service: encrypted report, `attachments`
    files in the file store, `messages` messages alternating reporter/staff,
    wraps for every intake officer, a receipt code and the audit entries."""
    from app.cases.content import add_message
    from app.cases.intake import NewReport, Upload, open_mailbox, submit_report
    from app.models import Unit
    from app.web.extensions import db

    rng = random.Random(seed)
    made = []
    with app.app_context():
        rt = app.extensions["meldpunt.runtime"]
        units = {u.code: u.id for u in db.session.query(Unit).all()}
        for i in range(count):
            category = rng.choice(CATEGORIES)
            files = [Upload(f"bijlage-{j + 1}.pdf", "application/pdf",
                            iter([pdf_bytes(attachment_bytes, seed * 1000 + i * 10 + j)]))
                     for j in range(attachments)]
            channel = rng.choice(("anonymous", "confidential", "open"))
            case, code = submit_report(db.session, rt, NewReport(
                unit_id=units[rng.choice(UNIT_CODES)], track=rng.choice(("advice", "report")),
                channel=channel, category=category,
                subcategory=rng.choice(SUBCATEGORIES)
                if category == "ongewenste_omgangsvormen" else None,
                report={"what": REPORT_TEXT * rng.randint(1, 4), "when": "Sinds maart",
                        "where": "Den Haag", "involved": "Mijn leidinggevende"},
                identity=None if channel == "anonymous" else {"name": "Anna Melder",
                                                              "email": "anna@example.test"},
                uploads=files,
            ))
            key = open_mailbox(db.session, rt, str(code)).key
            for m in range(messages):
                kind = "reporter" if m % 2 == 0 else "staff"
                add_message(db.session, case, key,
                            f"Bericht {m + 1}: " + REPORT_TEXT[: rng.randint(60, 240)],
                            author_kind=kind)
            db.session.commit()
            made.append(RealCase(case.number, str(code)))
    return made


# --- many cases with COPY ------------------------------------------------------------------


def _copy(conn, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def bulk_cases(instance: Instance, count: int, *, years: int = 5, seed: int = 11) -> None:
    """`count` metadata-realistic cases over `years` years with random ciphertext
    (these pages list them but never decrypt them): per case about two messages,
    one attachment's metadata, a key wrap per intake officer and one for
    recovery, and three audit entries continuing the real hash chain
    (sealed as AuditLog.seal seals them, after the entries already there)."""
    from app.audit.log import GENESIS, _hash_text, _iso, position_field
    from app.keyring import load_keyring
    from app.web.extensions import db

    app = instance.app()
    with app.app_context():
        app.extensions["meldpunt.runtime"].audit.seal(db.session)
        db.session.commit()
    app.extensions["meldpunt.engine"].dispose()

    rng = random.Random(seed)
    audit_key = load_keyring(instance.keys_dir).audit_key
    now = datetime.now(UTC).replace(tzinfo=None)
    with psycopg.connect(psycopg_url(instance.url)) as conn:
        unit_ids = [r[0] for r in conn.execute(
            "SELECT id FROM unit WHERE kind = 'unit'").fetchall()]
        officers = [r[0] for r in conn.execute(
            "SELECT u.id FROM user_account u JOIN user_role r ON r.user_id = u.id "
            "WHERE r.role = 'intake' AND u.public_key IS NOT NULL").fetchall()]
        first = (conn.execute("SELECT coalesce(max(id), 0) FROM case_file").fetchone()[0]) + 1
        position, prev = conn.execute(
            "SELECT chain_pos, entry_hash FROM audit_entry WHERE chain_pos IS NOT NULL "
            "ORDER BY chain_pos DESC LIMIT 1").fetchone() or (0, GENESIS)
        seq = conn.execute("SELECT coalesce(max(seq), 0) FROM audit_entry").fetchone()[0]
        cases, wraps, messages, attachments, audit = [], [], [], [], []
        for n in range(count):
            case_id = first + n
            number = f"MP-B{case_id:07d}"
            received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365 * years))
            state = rng.choice(STATES)
            acknowledged = (received + timedelta(days=rng.randint(0, 9))
                            if state != "received" else None)
            closed = (acknowledged or received) + timedelta(days=rng.randint(10, 200)) \
                if state == "closed" else None
            category = rng.choice(CATEGORIES)
            cases.append((
                case_id, number, rng.choice(unit_ids), rng.choice(("advice", "report")),
                category, rng.choice(SUBCATEGORIES)
                if category == "ongewenste_omgangsvormen" else None, "rijk-2024",
                rng.choice(("anonymous", "confidential", "open")), "web", state, received,
                received + timedelta(days=7), acknowledged,
                (acknowledged or received + timedelta(days=7)) + timedelta(days=91), closed,
                rng.choice(OUTCOMES) if closed else None, False, 1,
                secrets.token_bytes(rng.randint(300, 1500))))
            for officer in officers:
                wraps.append((case_id, f"user:{officer}", officer, "bench", "0" * 64,
                              secrets.token_bytes(1168), received))
            wraps.append((case_id, "recovery", None, "bench", "0" * 64,
                          secrets.token_bytes(1168), received))
            for m in range(rng.randint(0, 4)):
                messages.append((case_id, "reporter" if m % 2 == 0 else "staff",
                                 received + timedelta(days=m + 1),
                                 secrets.token_bytes(rng.randint(100, 800))))
            if rng.random() < 0.6:
                attachments.append((case_id, secrets.token_hex(16), secrets.token_bytes(120),
                                    secrets.token_bytes(60), "reporter", received))
            for action in ("report.submitted", rng.choice(AUDIT_ACTIONS), "case.open"):
                seq += 1
                position += 1
                actor = ("reporter" if action == "report.submitted"
                         else f"user:{rng.choice(officers) if officers else 1}")
                digest = _hash_text(prev, position_field(position, seq), _iso(now), actor,
                                    action, "case", number, "ok", "web")
                mac = hmac.new(audit_key, digest.encode(), hashlib.sha256).hexdigest()
                audit.append((seq, now, actor, action, "case", number, "ok", "web", position,
                              prev, digest, mac))
                prev = digest
        _copy(conn, "case_file", [
            "id", "number", "unit_id", "track", "category", "subcategory", "typology_version",
            "channel", "intake_channel", "state", "received_at", "acknowledge_due_at",
            "acknowledged_at", "feedback_due_at", "closed_at", "outcome", "legal_hold",
            "version", "report_ciphertext"], cases)
        _copy(conn, "key_wrap", ["case_id", "recipient", "user_id", "suite_id",
                                 "key_fingerprint", "wrapped_key", "granted_at"], wraps)
        _copy(conn, "message", ["case_id", "author_kind", "created_at", "body_ciphertext"],
              messages)
        _copy(conn, "attachment", ["case_id", "file_id", "meta_ciphertext",
                                   "file_key_ciphertext", "uploaded_by_kind", "created_at"],
              attachments)
        _copy(conn, "audit_entry", ["seq", "at", "actor", "action", "object_type",
                                    "object_id", "result", "origin", "chain_pos", "prev_hash",
                                    "entry_hash", "mac"], audit)
        conn.execute("SELECT setval('case_file_id_seq', (SELECT max(id) FROM case_file))")
        conn.execute("SELECT setval('audit_entry_seq_seq', %s)", (seq,))
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")

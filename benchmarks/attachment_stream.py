"""Benchmark (issue #11 item 7): a large attachment uploaded through the real
HTTP/WSGI upload path and downloaded again, in bounded memory.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.attachment_stream [--mb 200] [--repeats 5] [--quick] \\
        [--store local|database] [--file pdf|txt]

Starts the application under gunicorn (one sync worker) on a scratch database
`meldpunt_bench_attachment_stream` (SQLite in a scratch folder when
DATABASE_URL is not PostgreSQL), with its own keys and file store on disk
under --dir, and MELDPUNT_MAX_UPLOAD_MB raised for this run only (the
benchmark's Settings; production keeps its limit). Then, --repeats times:
- a reporter sends a report with one --mb MiB attachment over HTTP (the body
  is generated while it is sent; the worker parses it, encrypts it into a
  pending file and attaches it);
- an intake officer downloads it over HTTP (decrypted segment by segment).
Measured: the worker's peak RSS growth above its resident size before the
request (sampled from /proc every 5 ms) and throughput, as a ratio to raw
AES-256-GCM over the same bytes in the same segment size (in memory, no I/O).
Also, in this process, the stream through the file store without HTTP
(encrypt -> store, store -> decrypt), as before.

--store chooses the file store (MELDPUNT_FILE_STORE) for both parts: the
local directory (default) or the database (chunked ciphertext in the
scratch database, app/storage/database.py). The large file is text
(--file txt, the default): text is checked but not rewritten, so the upload
measures the stream into the store. Then a PDF at the upload limit
(--pdf-mb, default 20 MiB) goes through the same upload, where the cleaner
(qpdf) rewrites it: it holds the document's streams while it does, so its
bound is one cleaning slot's (128 MiB in deploy/README.md), not the
streaming 64 MiB. --file pdf sends the large file as a PDF instead.

Argon2 runs with the tests' fast settings: its cost is not what is measured.
Prints a table and one BENCH_RESULT line; exits 1 if memory reached 64 MiB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.crypto.streams import SEGMENT_SIZE, StreamEncryptor, decrypt_stream, new_file_key
from app.storage import DatabaseFileStore, FileStore, LocalFileStore
from benchmarks.datagen import pdf_frame

MB = 1024 * 1024
BUDGET_MB = 64
# The default upload limit (Settings.max_upload_mb, MELDPUNT_MAX_UPLOAD_MB).
UPLOAD_LIMIT_MB = 20
# What deploy/README.md sizes one cleaning slot (MELDPUNT_IMAGE_WORKERS) at.
CLEANING_SLOT_MB = 128
INPUT_CHUNK = 1 * MB  # what a streaming upload hands over at a time
PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/statm", "rb") as handle:
        return int(handle.read().split()[1]) * PAGE


def max_rss() -> int:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RssSampler:
    """Highest resident set size seen while the block runs."""

    def __init__(self, interval: float = 0.002, pid: int | str = "self") -> None:
        self.interval = interval
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, current_rss(self.pid))
            except OSError:
                return
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self.baseline = current_rss(self.pid)
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss(self.pid))

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def plaintext(total: int, block: bytes) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = block[: min(len(block), total - sent)]
        sent += len(piece)
        yield piece


def encrypt_to_store(store: FileStore, file_id: str, key, total: int, block: bytes) -> int:  # type: ignore[no-untyped-def]
    def encrypted() -> Iterator[bytes]:
        encryptor = StreamEncryptor(key, file_id=file_id)
        for chunk in plaintext(total, block):
            out = encryptor.update(chunk)
            if out:
                yield out
        yield encryptor.finalize()

    return store.write(file_id, encrypted())


def decrypt_from_store(store: FileStore, file_id: str, key, block: bytes) -> int:  # type: ignore[no-untyped-def]
    """Decrypt and check every byte against what went in."""
    offset = 0
    with store.open(file_id) as handle:
        for segment in decrypt_stream(key, handle.read, file_id=file_id):
            start = offset % len(block)
            if segment != block[start : start + len(segment)]:
                raise SystemExit(f"decrypted data differs at byte {offset}")
            offset += len(segment)
    return offset


def raw_aead(total: int) -> float:
    """Seconds for AES-256-GCM over `total` bytes in SEGMENT_SIZE pieces."""
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    segment = os.urandom(SEGMENT_SIZE)
    nonce_prefix = os.urandom(7)
    count = -(-total // SEGMENT_SIZE)
    started = time.perf_counter()
    for n in range(count):
        aead.encrypt(nonce_prefix + n.to_bytes(5, "big"), segment, b"ad")
    return time.perf_counter() - started


def encrypt_only(key, total: int, block: bytes) -> float:  # type: ignore[no-untyped-def]
    """Seconds for the stream encryptor alone (output discarded, no I/O)."""
    started = time.perf_counter()
    encryptor = StreamEncryptor(key, file_id="0" * 32)
    for chunk in plaintext(total, block):
        encryptor.update(chunk)
    encryptor.finalize()
    return time.perf_counter() - started


def timed(run: Callable[[], object], pid: int | str = "self") -> tuple[float, RssSampler]:
    with RssSampler(interval=0.005 if pid != "self" else 0.002, pid=pid) as sampler:
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
    return elapsed, sampler


# --- the application over HTTP -------------------------------------------------------

DB_NAME = "meldpunt_bench_attachment_stream"
FAST = {"MELDPUNT_ARGON2_TIME_COST": "1", "MELDPUNT_ARGON2_MEMORY_KIB": "1024",
        "MELDPUNT_ARGON2_PARALLELISM": "1"}
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a scratch account
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
SEND_TOKEN = re.compile(rb'name="send_token"[^>]*value="([^"]+)"')


def _postgres_admin() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def _database(folder: Path) -> str:
    from app.config import _normalise_database_url
    from tests.conftest import _migrate

    admin = _postgres_admin()
    if admin is None:
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        engine = create_engine(_normalise_database_url(admin), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
        engine.dispose()
        url = make_url(_normalise_database_url(admin)).set(database=DB_NAME).render_as_string(
            hide_password=False)
    _migrate(url)
    return url


def _drop_database() -> None:
    from app.config import _normalise_database_url

    admin = _postgres_admin()
    if admin is not None:
        engine = create_engine(_normalise_database_url(admin), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        engine.dispose()


class Site:
    """The application under gunicorn with its own database, keys and store."""

    def __init__(self, folder: Path, url: str, max_upload_mb: int,
                 file_store: str = "local", file_kind: str = "pdf") -> None:
        from app.keyring import (
            DEV_ANCHOR_FILE,
            create_anchor,
            create_missing_secrets,
            create_recovery_key,
        )
        from tests.conftest import ANCHOR_PASSPHRASES, FAST_ARGON2

        keys = folder / "keys"
        create_missing_secrets(keys)
        create_recovery_key(keys, folder / "recovery.offline", "bench recovery passphrase, long",
                            FAST_ARGON2)
        # New cases are wrapped only to endorsed keys: the intake officer's
        # key is endorsed by a (development) trust anchor, as in the tests.
        create_anchor(keys, folder / DEV_ANCHOR_FILE, ANCHOR_PASSPHRASES, FAST_ARGON2)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("MELDPUNT_", "FLASK_"))}
        self.env.update({
            "MELDPUNT_ENV": "development", "MELDPUNT_SECRET_KEY": secrets.token_urlsafe(48),
            "MELDPUNT_INSTANCE_DIR": str(folder), "MELDPUNT_KEYS_DIR": str(keys),
            "MELDPUNT_STORAGE_DIR": str(folder / "storage"), "DATABASE_URL": url,
            "MELDPUNT_FILE_STORE": file_store,
            # The limit is raised for this benchmark only.
            "MELDPUNT_MAX_UPLOAD_MB": str(max_upload_mb), "TMPDIR": str(folder), **FAST,
        })
        self.folder = folder
        self.file_kind = file_kind
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.cookies: dict[str, str] = {}

    def settings(self):  # type: ignore[no-untyped-def]
        from app.config import Settings

        return Settings.from_env(self.env)

    def seed(self) -> str:
        """Units and one enrolled intake officer; returns the TOTP secret."""
        from app import create_app
        from app.accounts import service, totp
        from app.cli.demo import seed_units
        from app.web.extensions import db
        from tests.conftest import endorse_with_test_anchor

        app = create_app(self.settings())
        with app.app_context():
            units = seed_units(db.session)
            rt = app.extensions["meldpunt.runtime"]
            user, _ = service.create_user(
                db.session, rt, email="intake@example.test", display_name="Bench intake",
                unit=units["kerndepartement"], roles={"intake"}, actor="system", origin="cli")
            secret = totp.new_totp_secret()
            service.enrol_directly(db.session, rt, user, PASSWORD, secret)
            endorse_with_test_anchor(db.session, rt, user)
            db.session.commit()
            self.unit_id = units["kerndepartement"].id
            db.session.close()
        app.extensions["meldpunt.engine"].dispose()
        return secret

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        log = open(self.folder / "gunicorn.log", "ab")  # noqa: SIM115 - lives with the server
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1",
             "--worker-class", "sync", "--timeout", "900", "--bind", f"127.0.0.1:{self.port}",
             "app.wsgi:application"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/gezondheid")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start: see " + str(self.folder / "gunicorn.log"))

    def worker_pid(self) -> int:
        assert self.process is not None
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept-Language": "en", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _remember(self, response: http.client.HTTPResponse) -> None:
        for value in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, bytes]:
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            body = urlencode(form).encode() if form is not None else None
            extra = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
            conn.request(method, path, body=body, headers=self._headers(extra))
            response = conn.getresponse()
            self._remember(response)
            return response.status, response.read()
        finally:
            conn.close()

    def csrf(self, path: str) -> str:
        status, body = self.request("GET", path)
        match = CSRF.search(body)
        if status != 200 or match is None:
            raise SystemExit(f"no form on {path}: {status}")
        return match.group(1).decode()

    def sign_in(self, totp_secret: str) -> None:
        self.cookies.clear()
        status, _ = self.request("POST", "/medewerkers/inloggen", {
            "csrf_token": self.csrf("/medewerkers/inloggen"),
            "email": "intake@example.test", "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"sign-in failed: {status}")
        status, _ = self.request("POST", "/medewerkers/inloggen/code", {
            "csrf_token": self.csrf("/medewerkers/inloggen/code"),
            "code": pyotp.TOTP(totp_secret).now()})
        if status != 302:
            raise SystemExit(f"sign-in code failed: {status}")

    def report_fields(self) -> dict[str, str]:
        return {
            "track": "report", "unit": str(self.unit_id),
            "category": "ongewenste_omgangsvormen", "subcategory": "pesten", "ground": "",
            "what": "Benchmark: een grote bijlage.", "when": "Vandaag", "where": "Hier",
            "involved": "Niemand", "witnesses": "", "reported_elsewhere": "",
            "identity": "anonymous", "name": "", "email": "", "phone": "", "contact": "",
            "preferred_counsellor": "0",
        }

    def upload(self, total: int, block: bytes) -> None:
        """The report form, its review step, then send with the attachment
        (as an anonymous reporter: the staff cookies are put back after)."""
        staff, self.cookies = self.cookies, {}
        try:
            self._upload(total, block)
        finally:
            self.cookies = staff

    def _upload(self, total: int, block: bytes) -> None:
        fields = self.report_fields()
        status, body = self.request("POST", "/melden", {
            "csrf_token": self.csrf("/melden"), "step": "review", **fields})
        match = CSRF.search(body)
        if status != 200 or match is None:
            raise SystemExit(f"review step failed: {status}")
        token = SEND_TOKEN.search(body)
        if token is None:
            raise SystemExit("review step has no send token")
        fields = {"csrf_token": match.group(1).decode(), "send_token": token.group(1).decode(),
                  "step": "send", **fields}
        boundary = "----bench" + secrets.token_hex(8)
        head = b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            .encode() for k, v in fields.items())
        name, kind = (("groot.txt", "text/plain") if self.file_kind == "txt"
                      else ("groot.pdf", "application/pdf"))
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; "
                 f"filename=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        if self.file_kind == "txt":
            body_size, pdf_head, pdf_tail = total, b"", b""
            line = b"Benchmark: een regel tekst in een grote bijlage.\n"
            block = (line * (len(block) // len(line) + 1))[: len(block)]
        else:
            # A real PDF around the bulk: uploads are opened and cleaned (#25).
            body_size = total - sum(map(len, pdf_frame(0)))
            pdf_head, pdf_tail = pdf_frame(body_size)
        file_size = len(pdf_head) + body_size + len(pdf_tail)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            conn.putrequest("POST", "/melden")
            for name, value in self._headers({
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(len(head) + file_size + len(tail))}).items():
                conn.putheader(name, value)
            conn.endheaders()
            conn.send(head)
            conn.send(pdf_head)
            for chunk in plaintext(body_size, block):
                conn.send(chunk)
            conn.send(pdf_tail)
            conn.send(tail)
            response = conn.getresponse()
            page = response.read()
        finally:
            conn.close()
        if response.status != 200 or b'class="receipt"' not in page:
            raise SystemExit(f"upload failed: {response.status} {page[:300]!r}")

    def download(self, path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            conn.request("GET", path, headers=self._headers())
            response = conn.getresponse()
            if response.status != 200:
                raise SystemExit(f"download failed: {response.status}")
            received = 0
            while block := response.read(MB):
                received += len(block)
            return received
        finally:
            conn.close()


def latest_attachment(url: str) -> tuple[str, int, str]:
    from app.models import Attachment, Case

    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(Case.number, Attachment.id, Attachment.file_id)
                           .join(Attachment, Attachment.case_id == Case.id)
                           .order_by(Attachment.id.desc()).limit(1)).one()
    engine.dispose()
    return row[0], row[1], row[2]


def _store(kind: str, folder: Path, url: str) -> FileStore:
    """The benchmark's view of the store the site writes to."""
    if kind == "database":
        from app.web.extensions import make_engine

        return DatabaseFileStore(make_engine(url))
    return LocalFileStore(folder)


def over_http(folder: Path, total: int, repeats: int, block: bytes,
              kind: str = "local", file_kind: str = "pdf") -> dict[str, list[float]]:
    url = _database(folder)
    site = Site(folder, url, max_upload_mb=total // MB + 5, file_store=kind,
                file_kind=file_kind)
    results: dict[str, list[float]] = {"up_s": [], "up_rss": [], "down_s": [], "down_rss": []}
    try:
        totp_secret = site.seed()
        site.start()
        worker = site.worker_pid()
        # Warm the worker up (imports, templates, database pool) with a small upload.
        site.upload(64 * 1024, block)
        store = _store(kind, folder / "storage", url)
        site.sign_in(totp_secret)  # once: a TOTP code is accepted only once
        for _ in range(repeats):
            seconds, sampler = timed(lambda: site.upload(total, block), pid=worker)
            results["up_s"].append(seconds)
            results["up_rss"].append(sampler.growth)
            number, attachment_id, file_id = latest_attachment(url)
            path = f"/medewerkers/zaken/{number}/bijlagen/{attachment_id}"
            received: list[int] = []
            seconds, sampler = timed(lambda p=path, r=received: r.append(site.download(p)),
                                     pid=worker)
            # The cleaned PDF is rewritten: the same bulk, a few bytes more or less.
            if len(received) != 1 or abs(received[0] - total) > 64 * 1024:
                raise SystemExit(f"downloaded {received} bytes, expected {total}")
            results["down_s"].append(seconds)
            results["down_rss"].append(sampler.growth)
            store.delete(file_id)  # keep the disk use to one attachment at a time
        if store.pending_ids():
            raise SystemExit("pending files were left behind")
    finally:
        site.stop()
        _drop_database()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="attachment size in MiB")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20 MiB, 2 repeats (smoke run)")
    parser.add_argument("--store", choices=("local", "database"), default="local",
                        help="the file store (MELDPUNT_FILE_STORE)")
    parser.add_argument("--file", choices=("pdf", "txt"), default="txt",
                        help="the large uploaded file (a PDF is rewritten by the cleaner)")
    parser.add_argument("--pdf-mb", type=int, default=UPLOAD_LIMIT_MB,
                        help="then a PDF of this size through the cleaner (default: the "
                             "upload limit); 0 skips it")
    parser.add_argument("--dir", type=Path, default=Path("instance"),
                        help="where to put the scratch store (on disk, not tmpfs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.repeats = min(args.mb, 20), min(args.repeats, 2)
    total = args.mb * MB
    block = os.urandom(INPUT_CHUNK)
    key = new_file_key()
    args.dir.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=args.dir) as folder:
        direct = Path(folder) / "direct"
        direct.mkdir()
        store = _store(args.store, direct, _database(direct) if args.store == "database" else "")
        store.ensure()
        file_id = store.new_file_id()

        raw_seconds = [raw_aead(total) for _ in range(args.repeats)]
        only_seconds = encrypt_only(key, total, block)
        enc_seconds, enc_mem = timed(lambda: encrypt_to_store(store, file_id, key, total, block))
        dec_seconds, dec_mem = timed(lambda: decrypt_from_store(store, file_id, key, block))
        # A second pass under tracemalloc: the peak of Python allocations.
        store.delete(file_id)
        tracemalloc.start()
        encrypt_to_store(store, file_id, key, total, block)
        _now, enc_traced = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        decrypt_from_store(store, file_id, key, block)
        _now, dec_traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        store.delete(file_id)

        if isinstance(store, DatabaseFileStore):
            store.engine.dispose()
        http_results = over_http(Path(folder) / "site", total, args.repeats, block, args.store,
                                 args.file)
        cleaned = (over_http(Path(folder) / "site-pdf", args.pdf_mb * MB, args.repeats, block,
                             args.store, "pdf") if args.pdf_mb else None)

    def mbps(seconds: float) -> float:
        return total / MB / seconds

    raw = mbps(statistics.median(raw_seconds))
    median = statistics.median
    up_speeds = [mbps(s) for s in http_results["up_s"]]
    down_speeds = [mbps(s) for s in http_results["down_s"]]
    up_rss = [b / MB for b in http_results["up_rss"]]
    down_rss = [b / MB for b in http_results["down_rss"]]
    table = [
        ("raw AES-256-GCM (memory)", raw, 1.0, None, None),
        ("stream encrypt (no I/O)", mbps(only_seconds), mbps(only_seconds) / raw, None, None),
        ("encrypt -> file store", mbps(enc_seconds), mbps(enc_seconds) / raw,
         enc_mem.growth / MB, enc_traced / MB),
        ("file store -> decrypt", mbps(dec_seconds), mbps(dec_seconds) / raw,
         dec_mem.growth / MB, dec_traced / MB),
        ("HTTP upload (gunicorn)", median(up_speeds), median(up_speeds) / raw, max(up_rss), None),
        ("HTTP download (gunicorn)", median(down_speeds), median(down_speeds) / raw,
         max(down_rss), None),
    ]
    print(f"Attachment stream benchmark: {args.store} file store, {args.file} file, "
          f"{args.mb} MiB x "
          f"{args.repeats}, segment "
          f"{SEGMENT_SIZE // 1024} KiB, input chunks {INPUT_CHUNK // MB} MiB")
    print(f"{'step':<28} {'MiB/s':>8} {'x raw':>7} {'RSS growth':>11} {'py peak':>9}")
    for name, speed, ratio, rss, traced in table:
        rss_text = f"{rss:8.1f} MiB" if rss is not None else f"{'-':>11}"
        traced_text = f"{traced:6.1f} MiB" if traced is not None else f"{'-':>9}"
        print(f"{name:<28} {speed:8.0f} {ratio:7.2f} {rss_text} {traced_text}")
    print("(HTTP rows: median speed; RSS growth of the gunicorn worker, the highest of "
          "the repeats)")

    def spread(values: list[float], unit: str) -> str:
        return f"{min(values):.1f}–{max(values):.1f} {unit}"

    size = f"{args.mb} MiB x {args.repeats}"
    rows = [
        {"item": 7, "metric": f"upload {args.mb} MiB over HTTP: worker peak RSS growth",
         "value": round(max(up_rss), 1), "unit": "MiB", "target": "≤ 64 MB",
         "ok": max(up_rss) <= BUDGET_MB, "detail": f"max of repeats; {spread(up_rss, 'MiB')}, "
         f"{size}"},
        {"item": 7, "metric": f"download {args.mb} MiB over HTTP: worker peak RSS growth",
         "value": round(max(down_rss), 1), "unit": "MiB", "target": "≤ 64 MB",
         "ok": max(down_rss) <= BUDGET_MB, "detail": f"max of repeats; "
         f"{spread(down_rss, 'MiB')}, {size}"},
        {"item": 7, "metric": "upload throughput / raw AES-256-GCM", "value":
         round(median(up_speeds) / raw, 3), "unit": "ratio", "target": "", "ok": None,
         "detail": f"{median(up_speeds):.0f} MiB/s median ({spread(up_speeds, 'MiB/s')}); raw "
         f"{raw:.0f} MiB/s"},
        {"item": 7, "metric": "download throughput / raw AES-256-GCM", "value":
         round(median(down_speeds) / raw, 3), "unit": "ratio", "target": "", "ok": None,
         "detail": f"{median(down_speeds):.0f} MiB/s median ({spread(down_speeds, 'MiB/s')}); "
         f"raw {raw:.0f} MiB/s"},
        {"item": 7, "metric": "file store encrypt / decrypt without HTTP: RSS growth",
         "value": round(max(enc_mem.growth, dec_mem.growth) / MB, 1), "unit": "MiB",
         "target": "≤ 64 MB", "ok": max(enc_mem.growth, dec_mem.growth) <= BUDGET_MB * MB,
         "detail": f"encrypt {mbps(enc_seconds) / raw:.2f}x raw, decrypt "
         f"{mbps(dec_seconds) / raw:.2f}x raw, one pass"},
    ]
    if cleaned is not None:
        pdf_rss = [b / MB for b in cleaned["up_rss"]]
        rows.append({
            "item": 7, "metric": f"upload a {args.pdf_mb} MiB PDF (the upload limit) over HTTP: "
            "worker peak RSS growth while it is cleaned", "value": round(max(pdf_rss), 1),
            "unit": "MiB", "target": f"≤ {CLEANING_SLOT_MB} MiB (one cleaning slot)",
            "ok": max(pdf_rss) <= CLEANING_SLOT_MB,
            "detail": f"max of repeats; {spread(pdf_rss, 'MiB')}; qpdf holds the document's "
            "streams while it rewrites them (deploy/README.md, memory per worker)"})
    database = "PostgreSQL" if _postgres_admin() else "SQLite"
    notes = (f"{args.store} file store, {args.file} upload; gunicorn, 1 sync worker, "
             f"{database}; client in the "
             "benchmark process on the same machine (it shares the CPU); Argon2 at the "
             "tests' fast settings (not measured here); MELDPUNT_MAX_UPLOAD_MB raised for "
             "this run only")
    print("BENCH_RESULT " + json.dumps({"module": "attachment_stream", "rows": rows,
                                        "notes": notes}, ensure_ascii=False))
    worst = max(up_rss + down_rss + [enc_mem.growth / MB, dec_mem.growth / MB])
    if worst >= BUDGET_MB:
        print(f"FAIL: memory grew by {worst:.1f} MiB", file=sys.stderr)
        return 1
    if cleaned is not None and max(cleaned["up_rss"]) / MB > CLEANING_SLOT_MB:
        print(f"FAIL: cleaning a PDF grew the worker by {max(cleaned['up_rss']) / MB:.1f} MiB",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

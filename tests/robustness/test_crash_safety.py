"""Crash safety: the server process is killed (SIGKILL) in the middle of a
report submission with a large attachment. After a restart the report exists
completely (case, attachment, receipt, key wraps; the file decrypts to what
was sent) or not at all; after `meldpunt retention run` no orphan,
`.partial` or `.pending` file is left; no plaintext ever reached the disk.
With both file stores: the local directory and the database.

The app runs as a real server in a subprocess (`flask run`, one process, so
SIGKILL takes all of it) on this test's own database, keys and file store.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases import content, custody
from app.crypto.keys import unlock_private_key
from app.models import Attachment, Case, KeyWrap, Receipt
from tests.conftest import FAST_ARGON2, ON_POSTGRES, PASSWORD
from tests.file_store import age_all, file_store_kind, holds, leftovers  # noqa: F401
from tests.reporting.conftest import report_fields

VENV_BIN = Path(sys.executable).parent
ATTACHMENT_MB = 15


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MELDPUNT_", "FLASK_"))}
    env.update({
        "MELDPUNT_ENV": "development",
        "MELDPUNT_SECRET_KEY": settings.secret_key,
        "MELDPUNT_INSTANCE_DIR": str(settings.instance_dir),
        "MELDPUNT_KEYS_DIR": str(settings.keys_dir),
        "MELDPUNT_STORAGE_DIR": str(settings.storage_dir),
        "MELDPUNT_FILE_STORE": settings.file_store,
        "DATABASE_URL": settings.database_url,
        "MELDPUNT_ARGON2_TIME_COST": str(FAST_ARGON2.time_cost),
        "MELDPUNT_ARGON2_MEMORY_KIB": str(FAST_ARGON2.memory_kib),
        "MELDPUNT_ARGON2_PARALLELISM": str(FAST_ARGON2.parallelism),
        "MELDPUNT_MAX_UPLOAD_MB": "20",
        "PYTHONUNBUFFERED": "1",
        # Any temporary file the server makes lands here, inside the scanned folder.
        "TMPDIR": str(Path(settings.instance_dir) / "tmp"),
    })
    (Path(settings.instance_dir) / "tmp").mkdir(exist_ok=True)
    return env


class Server:
    def __init__(self, settings, log: Path) -> None:  # type: ignore[no-untyped-def]
        self.env = _environment(settings)
        self.port = _free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "flask", "--app", "app.wsgi", "run", "--no-reload",
                 "--no-debugger", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[2])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            try:
                status, _, _ = self.request("GET", "/gezondheid")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not start: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


def _multipart(fields: dict[str, str], filename: str, size: int, marker: bytes
               ) -> tuple[str, Iterator[bytes], int]:
    boundary = "----crash" + secrets.token_hex(8)
    head = b""
    for name, value in fields.items():
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; "
             f"filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    line = b"Vertrouwelijke aantekening " + marker + b"\n"
    content = (line * (size // len(line) + 1))[:size]

    def chunks() -> Iterator[bytes]:
        yield head
        view = memoryview(content)
        for start in range(0, len(view), 256 * 1024):
            yield bytes(view[start : start + 256 * 1024])
        yield tail

    return f"multipart/form-data; boundary={boundary}", chunks(), len(head) + size + len(tail)


def _send_and_kill(server: Server, units, marker: bytes, kill_at: float,  # type: ignore[no-untyped-def]
                   delay_after: float) -> bytes:
    """Send a report whose attachment carries `marker`, slowly; SIGKILL the
    server when `kill_at` of the body is sent (1.0: all of it, then wait
    `delay_after` seconds). Returns the attachment content."""
    status, headers, body = server.request("GET", "/melden")
    assert status == 200
    cookie = re.search(r"(meldpunt=[^;]+)", headers.get("Set-Cookie", "")).group(1)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    send_token = re.search(rb'name="send_token"[^>]*value="([^"]+)"', body).group(1).decode()
    fields = {"csrf_token": token, "send_token": send_token, "step": "send",
              **report_fields(units, what="Melding " + marker.decode())}
    ctype, chunks, length = _multipart(fields, "verslag.txt", ATTACHMENT_MB * 1024 * 1024,
                                       marker)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/melden")
    conn.putheader("Content-Type", ctype)
    conn.putheader("Content-Length", str(length))
    conn.putheader("Cookie", cookie)
    conn.endheaders()
    sent = 0
    content = bytearray()
    try:
        for index, chunk in enumerate(chunks):
            if index > 0 and sent + len(chunk) < length:
                content += chunk
            conn.send(chunk)
            sent += len(chunk)
            if kill_at < 1.0 and sent >= kill_at * length:
                server.kill()
                break
            time.sleep(0.005)  # slowly, as over a poor connection
        else:
            time.sleep(delay_after)
            server.kill()
    except OSError:
        pass  # the server is gone
    finally:
        conn.close()
    return bytes(content)


def _scan_for(marker: bytes, roots: list[Path], since: float) -> list[str]:
    found = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                try:
                    if path.stat().st_mtime < since - 1 or path.stat().st_size > 64 * 2**20:
                        continue
                    if marker in path.read_bytes():
                        found.append(str(path))
                except OSError:
                    continue
    return found


def _retention_run(server: Server) -> str:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(VENV_BIN / "meldpunt"), "retention", "run"], env=server.env, capture_output=True,
        timeout=120, cwd=Path(__file__).resolve().parents[2], check=False)
    assert result.returncode == 0, result.stdout.decode()[-2000:] + result.stderr.decode()[-2000:]
    return result.stdout.decode()


# (fraction of the body sent when the server is killed, wait after the last byte)
SCENARIOS = [(0.5, 0.0), (1.0, 0.0), (1.0, 0.15), (1.0, 0.4), (1.0, 3.0)]


@pytest.mark.parametrize(("kill_at", "delay_after"), SCENARIOS)
def test_sigkill_during_a_large_upload_leaves_all_or_nothing(settings, session, rt, units,
                                                             make_staff, tmp_path, kill_at,
                                                             delay_after):
    intake = make_staff("intake")
    session.commit()
    marker = ("PLAINTEXT-MARKER-" + secrets.token_hex(8)).encode()
    started = time.time()
    server = Server(settings, tmp_path / "server.log")
    server.start()
    try:
        sent_content = _send_and_kill(server, units, marker, kill_at, delay_after)
        server.start()  # restart on the same database, keys and store
        status, _, _ = server.request("GET", "/melden")
        assert status == 200
    finally:
        if server.process is not None:
            server.kill()

    session.expire_all()
    cases = session.scalars(select(Case)).all()
    assert len(cases) in (0, 1)
    if kill_at < 1:
        # Killed before the last byte arrived: the view never ran.
        assert cases == []
    if cases:
        # Complete: every part of the report is there and the file is whole.
        case = cases[0]
        rows = session.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
        assert len(rows) == 1
        assert session.scalar(select(func.count()).select_from(Receipt)
                              .where(Receipt.case_id == case.id)) == 1
        assert session.scalar(select(func.count()).select_from(KeyWrap)
                              .where(KeyWrap.case_id == case.id)) >= 2  # intake + recovery
        key = custody.open_case_key(session, case, intake.user, unlock_private_key(
            intake.user.private_key_protected, PASSWORD))
        _, chunks = content.open_attachment(rt, case, key, rows[0])
        assert b"".join(chunks) == sent_content
        assert rt.files.exists(rows[0].file_id)
    else:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert session.scalar(select(func.count()).select_from(Receipt)) == 0
    session.rollback()

    # No plaintext on disk: the store, the instance folder (database, WAL,
    # server log, the server's TMPDIR).
    roots = [Path(settings.storage_dir), Path(settings.instance_dir)]
    assert _scan_for(marker, roots, started) == [] and not holds(rt, marker)

    # Left-overs of the interrupted write go with the next retention run
    # (everything made to look two hours old: beyond the orphan grace time
    # and the database store's lease on pending files).
    storage = Path(settings.storage_dir)
    age_all(rt, timedelta(hours=2))
    _retention_run(server)
    assert list(storage.rglob("*.partial")) == []
    # Uploads are encrypted into pending files as they stream in; one the
    # killed server held is gone too (its key died with the process).
    assert list(storage.rglob("*.pending")) == []
    session.expire_all()
    referenced = set(session.scalars(select(Attachment.file_id)))
    assert set(rt.files.file_ids()) == referenced
    assert rt.files.pending_ids() == []
    if settings.file_store == "database":
        assert set(leftovers(rt)) == referenced
    if ON_POSTGRES:
        return
    assert _scan_for(marker, [Path(settings.database_url.removeprefix("sqlite:///")).parent],
                     started) == []

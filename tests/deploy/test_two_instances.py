"""Two app instances (gunicorn) on two ports share one PostgreSQL: a staff
member signs in on one and carries on on the other — sessions, the sealed
private key and throttling live in the database, not in a process. With the
database file store, two instances with separate instance folders (as on
two hosts) see each other's attachments."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.config import Settings
from app.models import Attachment
from tests.conftest import ON_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
MARKER = "TWO-INSTANCE-MARKER"

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="several instances share PostgreSQL: run with DATABASE_URL=postgresql://...")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(settings, port: int, log: Path) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env.update(
        DATABASE_URL=settings.database_url, MELDPUNT_ENV="development",
        MELDPUNT_SECRET_KEY=settings.secret_key, MELDPUNT_INSTANCE_DIR=str(settings.instance_dir),
        MELDPUNT_KEYS_DIR=str(settings.keys_dir), MELDPUNT_STORAGE_DIR=str(settings.storage_dir),
        MELDPUNT_FILE_STORE=settings.file_store,
        MELDPUNT_ARGON2_TIME_COST="1", MELDPUNT_ARGON2_MEMORY_KIB="1024",
        MELDPUNT_ARGON2_PARALLELISM="1", MELDPUNT_BIND=f"127.0.0.1:{port}",
        MELDPUNT_WORKERS="1",
    )
    handle = log.open("w")
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "app.wsgi:application"], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/gezondheid", timeout=10)  # noqa: S310
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"instance on port {port} did not start")


class Browser:
    """Cookies shared across both ports, as a browser shares them per host."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, url: str, page: str, data: dict[str, str]) -> int:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(page)[1]).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
        try:
            with self.opener.open(url, data=body, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def upload(self, url: str, page: str, name: str, content: bytes) -> int:
        """A form with one file in `attachments`, as multipart/form-data."""
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(page)[1]).group(1)
        boundary = "----two" + secrets.token_hex(8)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"attachments\"; filename=\"{name}\"\r\nContent-Type: text/plain"
                "\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(url, data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def read(self, url: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(url, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_sign_in_on_one_instance_and_continue_on_the_other(settings, session, rt, make_staff,
                                                          tmp_path):
    intake = make_staff("intake")
    case, _code = submit_report(session, rt, NewReport(
        unit_id=intake.user.unit_id, track="report", channel="anonymous",
        report={"what": MARKER}))
    ports = [_free_port(), _free_port()]
    servers = [_start(settings, port, tmp_path / f"gunicorn-{port}.log") for port in ports]
    try:
        for port in ports:
            _wait(port)
        a, b = (f"http://127.0.0.1:{port}/medewerkers" for port in ports)
        browser = Browser()
        assert browser.post(f"{a}/inloggen", f"{a}/inloggen",
                            {"email": intake.email, "password": intake.password}) == 302
        assert browser.post(f"{b}/inloggen/code", f"{b}/inloggen/code",
                            {"code": intake.code()}) == 302
        status, html = browser.get(f"{a}/zaken/{case.number}")
        assert status == 200 and MARKER in html  # decrypted with the session-held key
        status, html = browser.get(f"{b}/zaken/{case.number}")
        assert status == 200 and MARKER in html
        assert browser.post(f"{b}/uitloggen", f"{b}/", {}) == 302
        status, _html = browser.get(f"{a}/zaken/{case.number}")
        assert status == 302  # signed out everywhere
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _host(settings: Settings, folder: Path) -> Settings:
    """An instance as on its own host: its own instance folder, storage
    folder and copy of keys/; only the database is shared."""
    folder.mkdir()
    shutil.copytree(settings.keys_dir, folder / "keys")
    return settings.with_changes(instance_dir=folder, keys_dir=folder / "keys",
                                 storage_dir=folder / "storage")


def _files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.is_dir() else []


@pytest.mark.parametrize("file_store_kind", ["database"])
def test_two_instances_on_their_own_folders_see_each_others_attachments(
        settings, session, rt, make_staff, tmp_path):
    intake = make_staff("intake")
    case, code = submit_report(session, rt, NewReport(
        unit_id=intake.user.unit_id, track="report", channel="anonymous",
        report={"what": MARKER}))
    assert code is not None
    hosts = [_host(settings, tmp_path / name) for name in ("host-a", "host-b")]
    ports = [_free_port(), _free_port()]
    servers = [_start(host, port, tmp_path / f"gunicorn-{port}.log")
               for host, port in zip(hosts, ports, strict=True)]
    sent = {"van-a.txt": b"Aantekening verstuurd via instantie A.\n" * 5000,
            "van-b.txt": b"Aantekening verstuurd via instantie B.\n" * 7000}
    try:
        for port in ports:
            _wait(port)
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        # The reporter adds a file through each instance.
        for base, name in ((a, "van-a.txt"), (b, "van-b.txt")):
            reporter = Browser()
            assert reporter.post(f"{base}/postbus", f"{base}/postbus", {"code": code}) == 302
            assert reporter.upload(f"{base}/postbus/bestanden", f"{base}/postbus", name,
                                   sent[name]) == 302
        session.expire_all()
        rows = session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert len(rows) == 2
        # The handler reads both files on both instances.
        staff = Browser()
        assert staff.post(f"{a}/medewerkers/inloggen", f"{a}/medewerkers/inloggen",
                          {"email": intake.email, "password": intake.password}) == 302
        assert staff.post(f"{b}/medewerkers/inloggen/code", f"{b}/medewerkers/inloggen/code",
                          {"code": intake.code()}) == 302
        for base in (a, b):
            for row, name in zip(rows, sent, strict=True):
                status, body = staff.read(f"{base}/medewerkers/zaken/{case.number}"
                                          f"/bijlagen/{row.id}")
                assert (status, body) == (200, sent[name])
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    # Nothing of the files on either host's disk: only in the shared database.
    for host in hosts:
        assert _files_in(host.storage_dir) == []

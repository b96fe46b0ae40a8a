"""Run the app under gunicorn for a benchmark, and a small HTTP client.

`Server(instance)` starts gunicorn with the production configuration
(deploy/gunicorn.conf.py: gthread, 2 workers x 4 threads, no access log) on a
free loopback port, with benchmarks.bench_wsgi as the entry point (the real
app plus a Server-Timing header with the time spent in Argon2id), waits for
/gezondheid and stops it with SIGTERM (gunicorn's graceful stop).

`Browser` is one simulated browser: a keep-alive connection, a cookie jar,
form posts (urlencoded or multipart) with the page's CSRF token.
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
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datagen import Instance

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEND_TOKEN_RE = re.compile(r'name="send_token"[^>]*value="([^"]+)"')
TIMING_RE = re.compile(r"(\w+);dur=([\d.]+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving `instance`; use as a context manager."""

    def __init__(self, instance: Instance, *, workers: int = 2, threads: int = 4,
                 max_requests: int | None = None, niceness: int = 0,
                 name: str = "gunicorn") -> None:
        self.instance = instance
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.max_requests = max_requests
        # The CPU priority the pool runs at (deploy/systemd: the reporter
        # pool at Nice=10, the staff pool at 0).
        self.niceness = niceness
        self.process: subprocess.Popen | None = None
        self.log = instance.root / f"{name}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Server:
        env = {**os.environ, **self.instance.environ(),
               "MELDPUNT_BIND": f"127.0.0.1:{self.port}",
               "MELDPUNT_WORKERS": str(self.workers), "MELDPUNT_THREADS": str(self.threads)}
        command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
        if self.max_requests is not None:
            command += ["--max-requests", str(self.max_requests)]
        command.append("benchmarks.bench_wsgi:application")
        niceness = self.niceness
        self.process = subprocess.Popen(  # noqa: S603 - fixed command
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"), preexec_fn=lambda: os.nice(niceness))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/gezondheid")
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200 and body.strip() == b"ok":
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer /gezondheid in time")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # The log goes with the scratch instance: show what went wrong first.
        log = self.log.read_text(errors="replace") if self.log.exists() else ""
        if "Traceback" in log:
            sys.stderr.write(f"gunicorn error log (tail):\n{log[-3000:]}\n")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- the client -------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def csrf(self) -> str:
        match = CSRF_RE.search(self.text)
        if not match:
            raise AssertionError(f"no CSRF token on the page (HTTP {self.status})")
        return match.group(1)

    def send_token(self) -> str:
        """The report form's send token (a hidden field, used up by sending)."""
        match = SEND_TOKEN_RE.search(self.text)
        if not match:
            raise AssertionError(f"no send token on the page (HTTP {self.status})")
        return match.group(1)

    def timing(self) -> dict[str, float]:
        """Server-Timing durations in ms: {'app': ..., 'argon2': ...}."""
        return {k: float(v) for k, v in TIMING_RE.findall(self.headers.get("Server-Timing", ""))}


class Browser:
    """One client: keep-alive connection, cookies (any Secure flag ignored on
    the loopback), redirects followed for GET after POST."""

    def __init__(self, base_url: str, *, language: str = "nl", timeout: float = 120) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.language = language
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _store_cookies(self, headers: http.client.HTTPMessage) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            lowered = attributes.lower()
            if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None, follow: bool = True) -> Response:
        headers = {"Accept-Language": self.language, "Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        start = time.perf_counter()
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise
        elapsed = (time.perf_counter() - start) * 1000
        self._store_cookies(raw.headers)
        if raw.getheader("Connection", "").lower() == "close":
            self.close()
        response = Response(raw.status, raw.headers, data, elapsed)
        if follow and raw.status in (301, 302, 303) and raw.getheader("Location"):
            location = urllib.parse.urlsplit(raw.getheader("Location"))
            target = location.path + (f"?{location.query}" if location.query else "")
            return self.request("GET", target)
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str], *, follow: bool = True) -> Response:
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            "application/x-www-form-urlencoded", follow=follow)

    def post_multipart(self, path: str, fields: dict[str, str],
                       files: list[tuple[str, str, bytes, str]]) -> Response:
        """files: (field name, file name, content, content type)."""
        boundary = "----bench" + secrets.token_hex(12)
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                         f"\r\n\r\n{value}\r\n".encode())
        for name, filename, content, ctype in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode())
            parts.append(content)
            parts.append(b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts),
                            f"multipart/form-data; boundary={boundary}")


# --- shared flows ------------------------------------------------------------------

RECEIPT_RE = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)


def report_fields(unit_id: int, rng_text: str = "") -> dict[str, str]:
    return {
        "track": "report", "unit": str(unit_id), "category": "ongewenste_omgangsvormen",
        "subcategory": "pesten", "ground": "",
        "what": "Mijn leidinggevende kleineert mij al maanden in het teamoverleg. " + rng_text,
        "when": "Sinds maart", "where": "Teamoverleg, kamer 4.12",
        "involved": "Mijn leidinggevende", "witnesses": "Twee collega's",
        "reported_elsewhere": "", "identity": "anonymous", "name": "", "email": "",
        "phone": "", "contact": "", "preferred_counsellor": "0",
    }


def unit_id_from_form(html: str) -> int:
    """The first real unit in the report form's unit list."""
    match = re.search(r'<option[^>]*value="([1-9]\d*)"', html)
    if not match:
        raise AssertionError("the report form lists no unit")
    return int(match.group(1))


def receipt_from(response: Response) -> str:
    match = RECEIPT_RE.search(response.text)
    if not match:
        raise AssertionError(f"no receipt code on the page (HTTP {response.status})")
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def staff_sign_in(browser: Browser, email: str, password: str, code: str) -> list[float]:
    """Password, then the TOTP code, through the real pages; how long the
    two steps (the POSTs) took, in ms."""
    page = browser.get("/medewerkers/inloggen")
    first = browser.post("/medewerkers/inloggen", {
        "csrf_token": page.csrf(), "email": email, "password": password}, follow=False)
    if first.status != 302:
        raise AssertionError(f"password step: HTTP {first.status}")
    page = browser.get("/medewerkers/inloggen/code")
    second = browser.post("/medewerkers/inloggen/code",
                          {"csrf_token": page.csrf(), "code": code}, follow=False)
    if second.status != 302:
        raise AssertionError(f"TOTP step: HTTP {second.status}")
    return [first.elapsed_ms, second.elapsed_ms]

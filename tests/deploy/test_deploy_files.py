"""The deployment files parse, run what exists, and keep reporters out of the logs.

Checks that need a tool (nginx, systemd-analyze, docker compose, PyYAML) are
skipped where the tool is missing; the rest uses only the standard library
and the project's own dependencies.
"""

from __future__ import annotations

import configparser
import contextlib
import datetime
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - local test server
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- Dockerfile and compose ---------------------------------------------------


def test_dockerfile_is_multi_stage_runs_gunicorn_as_a_non_root_user():
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and not users[-1].startswith(("root", "0"))
    assert "app.wsgi:application" in text and "gunicorn" in text
    assert "MELDPUNT_ENV=production" in text


def test_docker_build_context_never_sends_keys_or_instance_data():
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*")] == "*"  # everything is excluded first
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert not allowed & {"keys", "instance", "storage", ".venv", ".git"}


def _compose_text() -> str:
    return (DEPLOY / "compose.yaml").read_text()


def _load_yaml(path: Path) -> dict:
    """Parse YAML with PyYAML from this interpreter or the system's (not a dependency)."""
    import json

    code = ("import json, sys, yaml; "
            "print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))")
    for python in dict.fromkeys([sys.executable, shutil.which("python3") or ""]):
        if not python:
            continue
        result = subprocess.run([python, "-c", code, str(path)],  # noqa: S603
                                capture_output=True, text=True)
        if result.returncode == 0:
            return json.loads(result.stdout)
        if "No module named 'yaml'" not in result.stderr:
            raise AssertionError(f"{path.name} is not valid YAML: {result.stderr}")
    pytest.skip("PyYAML is not installed")


def test_compose_file_is_plain_yaml_with_the_five_services():
    text = _compose_text()
    assert "\t" not in text, "YAML forbids tabs for indentation"
    services = re.findall(r"^  ([a-z][a-z0-9-]*):\s*$", text.split("\nservices:\n", 1)[1], re.M)
    assert {"db", "migrate", "app", "staff", "proxy"} <= set(services)
    data = _load_yaml(DEPLOY / "compose.yaml")
    assert set(data["services"]) == {"db", "migrate", "app", "staff", "proxy"}
    assert data["networks"]["backend"]["internal"] is True
    for pool in ("app", "staff"):
        assert data["services"][pool]["environment"]["MELDPUNT_ENV"] == "production"
        assert "ports" not in data["services"][pool], "only the proxy is published"
    # The staff's pool is ahead of the public one when both want the CPU.
    assert data["services"]["staff"]["cpu_shares"] > data["services"]["app"]["cpu_shares"]
    assert data["services"]["staff"]["environment"]["MELDPUNT_BIND"].endswith(":8001")


def test_docker_compose_config_accepts_the_file(tmp_path):
    env = {**os.environ, "MELDPUNT_DB_PASSWORD": "x", "MELDPUNT_SECRET_KEY": "y" * 40}
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"],  # noqa: S603
                                 capture_output=True).returncode == 0:
        command = [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"]
    elif shutil.which("docker-compose"):
        # Compose v1 predates the top-level `name`; check everything else. The
        # copy stays in deploy/ so that relative paths resolve the same way.
        copy = DEPLOY / f".compose-check-{os.getpid()}.yaml"
        copy.write_text(re.sub(r"^name: .*$", "", _compose_text(), flags=re.M))
        command = [shutil.which("docker-compose") or "", "-f", str(copy), "config", "--quiet"]
    else:
        pytest.skip("neither docker compose nor docker-compose is installed")
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603
    finally:
        for leftover in DEPLOY.glob(f".compose-check-{os.getpid()}.yaml"):
            leftover.unlink()
    assert result.returncode == 0, result.stderr


# --- gunicorn -------------------------------------------------------------------


def _gunicorn_config():  # type: ignore[no-untyped-def]
    from gunicorn.config import Config

    config = Config()
    namespace: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),  # noqa: S102
         namespace)
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_gunicorn_writes_no_access_log_and_trusts_no_forwarding_headers():
    config = _gunicorn_config()
    assert config.accesslog is None
    assert config.forwarded_allow_ips == []
    assert config.secure_scheme_headers == {}
    assert config.loglevel in ("warning", "error", "critical")
    assert config.umask == 0o077


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for a development instance with keys in a temp folder."""
    from app.crypto.kdf import Argon2Params
    from app.keyring import create_missing_secrets, create_recovery_key

    tmp_path = tmp_path_factory.mktemp("instance")
    keys = tmp_path / "keys"
    create_missing_secrets(keys)
    create_recovery_key(keys, tmp_path / "recovery.offline", "test passphrase, long enough",
                        Argon2Params(time_cost=1, memory_kib=1024, parallelism=1))
    (tmp_path / "instance").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env.pop("DATABASE_URL", None)
    env.update(MELDPUNT_ENV="development", MELDPUNT_INSTANCE_DIR=str(tmp_path / "instance"),
               MELDPUNT_KEYS_DIR=str(keys), MELDPUNT_STORAGE_DIR=str(tmp_path / "storage"))
    return env


def test_gunicorn_imports_the_wsgi_entry_point(server_env):
    code = ("from gunicorn.util import import_app; "
            "app = import_app('app.wsgi:application'); print(type(app).__name__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=server_env,  # noqa: S603
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Flask"


@pytest.fixture(scope="module")
def gunicorn_server(server_env, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One gunicorn for this module's tests, started with the shipped config."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    env = {**server_env, "MELDPUNT_BIND": f"127.0.0.1:{port}", "MELDPUNT_WORKERS": "1"}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
         "app.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/static/meldpunt.css")
        yield port, tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_image_health_check_url_answers_ok_under_gunicorn(gunicorn_server):
    port, _log = gunicorn_server
    match = re.search(r"http://127\.0\.0\.1:8000(/[^'\"]*)", (DEPLOY / "Dockerfile").read_text())
    assert match, "HEALTHCHECK URL not found"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{match.group(1)}", timeout=10) as resp:  # noqa: S310
        assert resp.status == 200


def test_gunicorn_serves_the_app_and_logs_no_request(gunicorn_server):
    port, log = gunicorn_server
    url = f"http://127.0.0.1:{port}/static/meldpunt.css?reporter=gunicorn-query"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        assert response.status == 200
    time.sleep(0.3)
    text = log.read_text()
    assert "meldpunt.css" not in text and "gunicorn-query" not in text
    assert "127.0.0.1" not in text


# --- nginx ------------------------------------------------------------------------


def _self_signed(cert_dir: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_dir.mkdir(parents=True, exist_ok=True)
    (cert_dir / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (cert_dir / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def _nginx_config(tmp_path: Path, app_port: int, http_port: int, https_port: int,
                  onion_port: int, staff_port: int | None = None) -> Path:
    """The shipped site file, moved to temp paths and free ports, in a minimal nginx.conf."""
    logs = tmp_path / "nginx-logs"
    logs.mkdir()
    _self_signed(tmp_path / "certs")
    site = (DEPLOY / "nginx" / "meldpunt.conf").read_text()
    site = (site.replace("server app:8000;", f"server 127.0.0.1:{app_port};")
            .replace("server staff:8001;", f"server 127.0.0.1:{staff_port or app_port};")
            .replace("/etc/nginx/certs", str(tmp_path / "certs"))
            .replace("/var/log/nginx", str(logs))
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"))
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.M)
    onion = (DEPLOY / "tor" / "nginx-onion.conf.example").read_text()
    onion = (onion.replace("/var/log/nginx", str(logs))
             .replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{onion_port};"))
    (tmp_path / "site.conf").write_text(site + "\n" + onion)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {logs}/main-error.log;
events {{}}
http {{
  access_log {logs}/default-access.log;
  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
  include {tmp_path}/site.conf;
}}
""")
    return conf


def _nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    return nginx


@contextlib.contextmanager
def _running_nginx(conf: Path) -> Iterator[ssl.SSLContext]:
    """nginx with `conf` (from _nginx_config); yields a client TLS context
    that accepts its self-signed certificate."""
    nginx = _nginx()
    logs = conf.parent / "nginx-logs"
    subprocess.run([nginx, "-c", str(conf), "-e", str(logs / "start.log")],  # noqa: S603
                   check=True, capture_output=True)
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        yield insecure
    finally:
        subprocess.run([nginx, "-c", str(conf), "-e", str(logs / "stop.log"), "-s", "stop"],  # noqa: S603
                       capture_output=True)


def test_nginx_compresses_the_static_text_files_and_never_the_pages():
    """#22 (Lighthouse: text compression): gzip for the stylesheet and the
    SVG icon; never for pages, which hold a CSRF token (BREACH)."""
    site = (DEPLOY / "nginx" / "meldpunt.conf").read_text()
    static = re.search(r"location /static/ \{(.*?)\n    \}", site, re.S)
    assert static is not None, "no location for the static files"
    block = static.group(1)
    assert re.search(r"^\s*gzip on;", block, re.M)
    types = re.search(r"gzip_types ([^;]+);", block)
    assert types is not None and {"text/css", "image/svg+xml"} <= set(types.group(1).split())
    outside = site.replace(static.group(0), "")
    assert not re.search(r"^\s*gzip on;", outside, re.M), "pages must not be compressed"


def test_nginx_accepts_the_site_and_onion_configuration(tmp_path):
    nginx = _nginx()
    conf = _nginx_config(tmp_path, _free_port(), _free_port(), _free_port(), _free_port())
    result = subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-e",  # noqa: S603
                             str(tmp_path / "nginx-logs" / "t.log")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_nginx_logs_staff_paths_without_query_and_never_reporter_pages(tmp_path,
                                                                        gunicorn_server):
    _nginx()
    app_port, _log = gunicorn_server
    http_port, https_port, onion_port = _free_port(), _free_port(), _free_port()
    conf = _nginx_config(tmp_path, app_port, http_port, https_port, onion_port)
    logs = tmp_path / "nginx-logs"
    with _running_nginx(conf) as insecure:
        def get(url: str) -> int:
            try:
                with urllib.request.urlopen(url, timeout=10, context=insecure) as response:  # noqa: S310
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        base = f"https://127.0.0.1:{https_port}"
        get(f"{base}/static/meldpunt.css?reporter=secret-query")
        get(f"{base}/?reporter=secret-query")
        get(f"{base}/medewerkers/inloggen?next=staff-query")
        assert get(f"http://127.0.0.1:{onion_port}/medewerkers/inloggen") == 404
        get(f"http://127.0.0.1:{onion_port}/?reporter=secret-query")
        time.sleep(0.5)
    staff_log = (logs / "meldpunt-staff.log").read_text()
    assert "/medewerkers/inloggen" in staff_log
    assert "staff-query" not in staff_log
    everything = "".join(p.read_text() for p in logs.iterdir() if p.is_file())
    assert "secret-query" not in everything
    assert "meldpunt.css" not in everything
    assert not (logs / "default-access.log").read_text()


def test_nginx_sends_staff_paths_to_the_staff_pool_and_the_rest_to_the_public_one(tmp_path):
    """Two pools (deploy/README.md): /medewerkers goes to the staff's own
    gunicorn, reporter pages and static files to the public one."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    _nginx()

    def pool(name: bytes) -> ThreadingHTTPServer:
        class Answer(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                self.send_response(200)
                self.send_header("Content-Length", str(len(name)))
                self.end_headers()
                self.wfile.write(name)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    public, staff = pool(b"public"), pool(b"staff")
    https_port = _free_port()
    conf = _nginx_config(tmp_path, public.server_address[1], _free_port(), https_port,
                         _free_port(), staff_port=staff.server_address[1])
    try:
        with _running_nginx(conf) as insecure:
            def answer(path: str) -> bytes:
                url = f"https://127.0.0.1:{https_port}{path}"
                with urllib.request.urlopen(url, timeout=10, context=insecure) as response:  # noqa: S310
                    return response.read()

            for path in ("/medewerkers", "/medewerkers/", "/medewerkers/zaken/?tab=overdue"):
                assert answer(path) == b"staff", path
            for path in ("/", "/melden", "/static/meldpunt.css", "/mijn-melding"):
                assert answer(path) == b"public", path
    finally:
        public.shutdown()
        staff.shutdown()


# --- systemd ------------------------------------------------------------------------


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


RATCHET_UNIT = "meldpunt-retention.service"
KEYS_BACKUP_UNIT = "meldpunt-keys-backup.service"
SANDBOX = {"ProtectSystem": "strict", "PrivateTmp": "yes", "NoNewPrivileges": "yes",
           "UMask": "0077", "User": "meldpunt", "ProtectHome": "yes"}


@pytest.mark.parametrize("unit", sorted(p.name for p in SYSTEMD.glob("*.service")))
def test_every_service_is_sandboxed_as_a_dedicated_user(unit):
    service = _unit(SYSTEMD / unit)["Service"]
    for key, value in SANDBOX.items():
        assert service.get(key) == value, f"{unit}: {key}"
    writable = service.get("ReadWritePaths", "").split()
    if unit == RATCHET_UNIT:
        # Issue #20: the sweep advances keys/ratchet; no other service writes keys/.
        assert set(writable) <= {"/var/lib/meldpunt/instance", "/var/lib/meldpunt/storage",
                                 "/var/lib/meldpunt/keys"}
        return
    if unit == KEYS_BACKUP_UNIT:  # writes only its own backup folder
        assert writable == ["/var/backups/meldpunt-keys"]
    else:
        assert set(writable) <= {"/var/lib/meldpunt/instance", "/var/lib/meldpunt/storage"}
    assert "/var/lib/meldpunt/keys" in service.get("ReadOnlyPaths", "")


def _cli_commands() -> set[tuple[str, ...]]:
    """Every `meldpunt` command path, from the app's own CLI."""
    import click

    from app import create_app
    from app.cli.commands import register_commands  # noqa: F401 - registered by create_app

    app = create_app(_throwaway_settings())
    found: set[tuple[str, ...]] = set()

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found.add(path)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))

    for name, command in app.cli.commands.items():
        walk(command, (name,))
    return found


def _throwaway_settings():  # type: ignore[no-untyped-def]
    import tempfile

    from app.config import Settings

    folder = Path(tempfile.mkdtemp(prefix="meldpunt-cli-"))
    return Settings(env="testing", secret_key="x" * 40, database_url="sqlite://",
                    instance_dir=folder, keys_dir=folder / "keys", storage_dir=folder / "s")


def test_the_staff_pool_has_its_own_port_and_the_larger_cpu_share():
    """Two pools (deploy/README.md): the unit nginx sends /medewerkers to
    listens where nginx expects it, and wins the CPU from the public pool."""
    public = _unit(SYSTEMD / "meldpunt.service")["Service"]
    staff = _unit(SYSTEMD / "meldpunt-staff.service")["Service"]
    assert "Environment=MELDPUNT_BIND=127.0.0.1:8000" in (SYSTEMD / "meldpunt.service").read_text()
    assert "--bind 127.0.0.1:8001" in staff["ExecStart"]
    assert "--workers 1" in staff["ExecStart"]
    assert int(staff["CPUWeight"]) > int(public["CPUWeight"])
    assert int(public["Nice"]) > int(staff.get("Nice", "0"))
    site = (DEPLOY / "nginx" / "meldpunt.conf").read_text()
    assert "127.0.0.1:8001 (meldpunt-staff.service)" in site


def test_every_timer_starts_a_job_that_runs_an_existing_meldpunt_command():
    commands = _cli_commands()
    timers = sorted(SYSTEMD.glob("*.timer"))
    assert timers
    for timer in timers:
        assert _unit(timer)["Timer"].get("OnCalendar"), timer.name
        service = SYSTEMD / (timer.stem + ".service")
        assert service.exists(), f"{timer.name} has no {service.name}"
        exec_start = _unit(service)["Service"]["ExecStart"].split()
        assert exec_start[0].endswith("/meldpunt")
        args = tuple(a for a in exec_start[1:] if not a.startswith("-"))
        assert args in commands, f"{service.name}: `meldpunt {' '.join(args)}` does not exist"


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = []
    for path in sorted(SYSTEMD.iterdir()):
        # verify checks that ExecStart exists: point it at this checkout.
        target = tmp_path / path.name
        target.write_text(path.read_text().replace("/opt/meldpunt", str(ROOT)))
        units.append(str(target))
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("no .venv with gunicorn in this checkout")
    result = subprocess.run([analyze, "verify", *units],  # noqa: S603
                            capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines()
                if line.strip() and "Failed to connect" not in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_nginx_lets_through_what_the_app_reads_for_its_friendly_413():
    """The report and mailbox forms read up to PARSE_FACTOR x the upload
    limit so an oversized file gets the friendly page with the typed text
    kept; a smaller nginx bound would answer with nginx's own 413 instead."""
    from app.cases.uploads import PARSE_FACTOR
    from app.config import Settings

    needed = Settings().max_upload_mb * PARSE_FACTOR + 1
    for conf in ("nginx/meldpunt.conf", "tor/nginx-onion.conf.example"):
        text = (ROOT / "deploy" / conf).read_text()
        sizes = [int(m) for m in re.findall(r"client_max_body_size (\d+)m;", text)]
        assert sizes and all(size >= needed for size in sizes), conf

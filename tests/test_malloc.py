"""Freed Argon2id buffers leave the worker (issue #26, memory).

Each test runs in a fresh interpreter: glibc's malloc settings are per
process and the pytest process has its own history of allocations."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="glibc's malloc arenas are what is tested")

# Four threads (a gunicorn gthread worker's) each derive receipt-code keys
# with the production cost (Argon2id, 19 MiB), after an app was made the way
# the worker makes it; the growth of the resident set once they are done.
SCRIPT = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app import create_app
from app.config import Settings
from app.crypto.kdf import argon2id
from app.crypto.receipts import receipt_kdf_params


def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


folder = Path(sys.argv[1])
create_app(Settings(env="testing", secret_key="x" * 48, instance_dir=folder,
                    database_url=f"sqlite:///{folder / 'db.sqlite'}",
                    keys_dir=folder / "keys", storage_dir=folder / "storage"))
params = receipt_kdf_params()
before = rss_mib()
with ThreadPoolExecutor(max_workers=4) as pool:
    list(pool.map(lambda n: argon2id(b"%016d" % n, b"s" * 16, params), range(16)))
print(rss_mib() - before)
"""


def _growth_mib(tmp_path: Path, **env: str) -> float:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES", "MALLOC_ARENA_MAX")}
    environment.update(env, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,  # noqa: S603
                          env=environment, capture_output=True, text=True, timeout=300,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def test_an_app_process_gives_argon2id_buffers_back_after_four_threads_used_them(tmp_path):
    # Without the fix each thread's arena keeps its 19 MiB buffer: ~76 MiB.
    assert _growth_mib(tmp_path) < 16


def test_an_operators_own_mmap_threshold_is_left_as_it_is():
    script = "from app.malloc import return_large_buffers; print(return_large_buffers())"

    def run(**env: str) -> str:
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")}
        environment.update(env, PYTHONPATH=str(ROOT))
        return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment,  # noqa: S603
                              capture_output=True, text=True, timeout=60,
                              check=True).stdout.strip()

    assert run() == "True"
    assert run(MALLOC_MMAP_THRESHOLD_="262144") == "False"
    assert run(GLIBC_TUNABLES="glibc.malloc.mmap_threshold=262144") == "False"


def test_freed_heap_pages_are_given_back_now_and_then(monkeypatch):
    """After a request the worker trims every malloc arena, at most once per
    TRIM_SECONDS (app/malloc.py): often enough to keep a worker at what it
    holds, rarely enough to cost nothing a user notices."""
    from app import malloc

    calls: list[int] = []

    class Libc:
        def malloc_trim(self, pad: int) -> int:
            calls.append(pad)
            return 1

    monkeypatch.setattr(malloc, "_glibc", lambda: Libc())
    import time

    monkeypatch.setattr(malloc, "_last_trim", time.monotonic() - 7200)
    assert malloc.trim_now_and_then(every=3600)  # two hours ago: now
    assert not malloc.trim_now_and_then(every=3600)  # just done: not again
    assert calls == [0]


def test_a_request_trims_when_it_is_time(app, monkeypatch):
    from app import malloc

    trimmed: list[bool] = []
    monkeypatch.setattr(malloc, "trim_now_and_then", lambda: trimmed.append(True))
    monkeypatch.setattr("app.trim_now_and_then", lambda: trimmed.append(True))
    app.test_client().get("/gezondheid")
    assert trimmed

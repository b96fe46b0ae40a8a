"""Benchmark (issue #25): peak memory of a reporter's request with hostile
pictures, sent without signing in.

    .venv/bin/python -m benchmarks.picture_memory [--scenario NAME ...]

Every scenario runs in its own fresh process (so one scenario's peak does not
hide the next one's): an app on a scratch SQLite database, keys and file store
in a temporary folder, production picture settings. The process first sends a
report with a small PNG (warm-up: imports, Pillow's plugins, the database),
then the measured report through the real pages (form, review, send) with the
scenario's files. Measured: the process's resident set size before the send
request, and its peak during it (the kernel's ru_maxrss, and /proc sampled
every 2 ms); the growth is peak minus before.

Scenarios:
- hostile-1: one 6320 x 6320 single-colour PNG (about 155 kB, 40 Mpx);
- hostile-10: ten of them in one request (the most files a request takes);
- budget-1 / budget-10: one / ten PNGs of noise just under the per-picture
  pixel budget (the worst picture that is still decoded whole);
- jpeg-48mpx: a 48 Mpx camera photo (8000 x 6000 JPEG), downscaled while
  decoding.

The pictures are generated here (nothing big is committed): the hostile PNG
is written row by row with zlib, without Pillow, in a few megabytes.
Prints a table and one BENCH_RESULT line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
HOSTILE_SIDE = 6320
SCENARIOS = ("hostile-1", "hostile-10", "budget-1", "budget-10", "jpeg-48mpx")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def hostile_png(width: int = HOSTILE_SIDE, height: int = HOSTILE_SIDE,
                colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid single-colour RGB PNG of width x height pixels: it compresses
    to about 155 kB at 6320 x 6320 but decodes to 120 MB of pixels. Written row
    by row, so making it takes a few megabytes, not the decoded size."""
    row = b"\x00" + bytes(colour) * width  # filter type 0, then the pixels
    packer = zlib.compressobj(9)
    idat = bytearray()
    for _ in range(height):
        idat += packer.compress(row)
    idat += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", bytes(idat))
            + _chunk(b"IEND", b""))


def current_rss() -> int:
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * PAGE


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = current_rss()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, current_rss())
            time.sleep(0.002)


# --- one scenario, in its own process ---------------------------------------------------


def _files(scenario: str) -> list[tuple[bytes, str]]:
    from PIL import Image

    if scenario.startswith("hostile-"):
        data = hostile_png()
        return [(data, f"bom{i}.png") for i in range(int(scenario.split("-")[1]))]
    if scenario.startswith("budget-"):
        from app.config import Settings

        # Decoding costs the same whatever the colours: one colour keeps it small.
        side = int((Settings.image_max_megapixels * 1_000_000) ** 0.5) - 1
        data = hostile_png(side, side, (20, 120, 220))
        return [(data, f"groot{i}.png") for i in range(int(scenario.split("-")[1]))]
    if scenario == "jpeg-48mpx":
        out = io.BytesIO()
        Image.linear_gradient("L").resize((8000, 6000)).convert("RGB").save(out, "JPEG")
        return [(out.getvalue(), "camera.jpg")]
    raise SystemExit(f"unknown scenario {scenario}")


def run_scenario(scenario: str, folder: Path) -> dict[str, Any]:
    from alembic import command
    from alembic.config import Config

    from app import create_app
    from app.cli.demo import seed_units
    from app.config import PasswordHashParams, Settings
    from app.crypto.kdf import Argon2Params
    from app.keyring import create_missing_secrets, create_recovery_key
    from app.web.extensions import db

    fast = Argon2Params(time_cost=1, memory_kib=1024, parallelism=1)
    url = f"sqlite:///{folder / 'meldpunt.db'}"
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    keys = folder / "keys"
    create_missing_secrets(keys)
    create_recovery_key(keys, folder / "recovery.offline", "bench recovery passphrase, long",
                        fast)
    settings = Settings(
        env="testing", secret_key="bench-secret-key-not-for-production-0123456789",
        database_url=url, instance_dir=folder, keys_dir=keys,
        storage_dir=folder / "storage", key_derivation=fast, receipt_derivation=fast,
        password_hash=PasswordHashParams(time_cost=1, memory_kib=1024, parallelism=1))
    app = create_app(settings)
    with app.app_context():
        unit = seed_units(db.session)["kerndepartement"].id
        db.session.commit()
        db.session.close()
    client = app.test_client()
    fields = {
        "track": "report", "unit": str(unit), "category": "ongewenste_omgangsvormen",
        "subcategory": "pesten", "ground": "", "what": "Benchmark: pictures.",
        "when": "", "where": "", "involved": "", "witnesses": "", "reported_elsewhere": "",
        "identity": "anonymous", "name": "", "email": "", "phone": "", "contact": "",
        "preferred_counsellor": "0",
    }

    def send(files: list[tuple[bytes, str]]) -> tuple[int, str]:
        html = client.get("/melden").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token
        html = client.post("/melden", data={"csrf_token": token.group(1), "step": "review",
                                            **fields}).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token
        data = {"csrf_token": token.group(1), "step": "send", **fields,
                "attachments": [(io.BytesIO(content), name) for content, name in files]}
        response = client.post("/melden", data=data, content_type="multipart/form-data")
        body = response.get_data(as_text=True)
        error = re.search(r'id="attachments-error"[^>]*>(.*?)<', body, re.S)
        return response.status_code, (error.group(1).strip() if error else "")

    small = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 64), (1, 2, 3)).save(small, "PNG")
    assert send([(small.getvalue(), "klein.png")])[0] == 200  # warm-up
    files = [(path.read_bytes(), path.name) for path in sorted((folder / "in").iterdir())]
    upload_bytes = sum(len(content) for content, _name in files)
    before, max_before = current_rss(), max_rss()
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    status, error = send(files)
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    # The kernel's exact peak, when this request set it (it was measured
    # in a fresh process whose warm-up peak is far lower).
    peak = max_rss() if max_rss() > max_before else sampler.peak
    return {
        "scenario": scenario, "files": len(files), "upload_bytes": upload_bytes,
        "status": status, "error": error[:120], "seconds": round(seconds, 2),
        "rss_before_mb": round(before / MB, 1), "peak_mb": round(peak / MB, 1),
        "growth_mb": round((peak - before) / MB, 1),
    }


# --- all scenarios ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--one", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_scenario(args.one, args.folder)))
        return
    results = []
    for scenario in args.scenario or SCENARIOS:
        # The pictures are made here, so making them does not count in the
        # measured process's peak.
        folder = Path(tempfile.mkdtemp(prefix="meldpunt-bench-pictures-"))
        try:
            (folder / "in").mkdir()
            for content, name in _files(scenario):
                (folder / "in" / name).write_bytes(content)
            done = subprocess.run(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", "benchmarks.picture_memory", "--one", scenario,
                 "--folder", str(folder)], capture_output=True, text=True, check=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            results.append({"scenario": scenario, "failed": True})
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'scenario':<12} {'files':>5} {'upload':>9} {'status':>6} {'time':>7} "
          f"{'RSS before':>11} {'peak':>9} {'growth':>9}  refusal")
    for r in results:
        if r.get("failed"):
            print(f"{r['scenario']:<12} failed")
            continue
        print(f"{r['scenario']:<12} {r['files']:>5} {r['upload_bytes'] / 1024:>7.0f}kB "
              f"{r['status']:>6} {r['seconds']:>6.2f}s {r['rss_before_mb']:>9.1f}MB "
              f"{r['peak_mb']:>7.1f}MB {r['growth_mb']:>7.1f}MB  {r['error']}")
    print("BENCH_RESULT " + json.dumps({"module": "picture_memory", "results": results}))


if __name__ == "__main__":
    main()

"""Issue #26, admission control: does a request without Argon2id stay fast
while submissions derive keys back to back?

    .venv/bin/python -m benchmarks.kdf_gate [--seconds 20] [--submitters 8]

In one process, `--submitters` threads run production Argon2id (t=3, 64 MiB,
p=4, the staff-password cost; receipt codes use less since issue #26) back
to back, as gunicorn's threads do during a reporting peak. One more thread
plays the cheap request: about 5 ms of Python work (a staff page render), then
a short pause, again and again. Run twice: without a gate (today's main), and
through a `KdfGate` with the production defaults (2 runs, 256 MiB). Printed:
the cheap request's p50/p95/max, Argon2id runs/s, the load average.

What it does not show: in gunicorn a thread waiting at the gate still holds
its worker thread; the gate frees the processor, not the thread. The wait
bound (MELDPUNT_KDF_WAIT_SECONDS) is what limits that.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import threading
import time

from app.crypto import kdf
from app.crypto.kdf import Argon2Params, KdfGate
from benchmarks.results import emit, percentile, row

PRODUCTION = Argon2Params()  # t=3, 64 MiB, p=4


def cheap_request() -> None:
    """About 5 ms of pure-Python work on an idle core."""
    data = b"x" * 64
    for _ in range(6000):
        data = hashlib.sha256(data).digest()


def run(gate: KdfGate | None, seconds: float, submitters: int) -> dict[str, float]:
    stop = threading.Event()
    runs = 0
    lock = threading.Lock()

    def submit() -> None:
        nonlocal runs
        with kdf.gate_in_use(gate):
            while not stop.is_set():
                kdf.argon2id(os.urandom(16), os.urandom(16), PRODUCTION)
                with lock:
                    runs += 1

    latencies: list[float] = []

    def staff() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            cheap_request()
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)

    threads = [threading.Thread(target=submit) for _ in range(submitters)]
    threads.append(threading.Thread(target=staff))
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
            "max": max(latencies), "n": len(latencies), "runs_per_s": runs / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--submitters", type=int, default=8)
    args = parser.parse_args()
    idle = []
    for _ in range(50):
        start = time.perf_counter()
        cheap_request()
        idle.append((time.perf_counter() - start) * 1000)
    print(f"load average before: {os.getloadavg()}  cores: {os.cpu_count()}")
    print(f"cheap request alone: p50 {percentile(idle, 0.5):.1f} ms")
    results = []
    for label, gate in (("no gate", None),
                        ("gate 2 runs/256 MiB", KdfGate(2, 256 * 1024, 3600))):
        r = run(gate, args.seconds, args.submitters)
        print(f"{label:22s} cheap request p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  "
              f"max {r['max']:.1f} ms  (n={r['n']:.0f})  Argon2id {r['runs_per_s']:.2f} runs/s")
        results.append(row(26, f"cheap request p95, {label}", r["p95"], "ms",
                           detail=f"p50 {r['p50']:.1f}, max {r['max']:.1f}, "
                                  f"Argon2id {r['runs_per_s']:.2f}/s"))
    print(f"load average after: {os.getloadavg()}")
    emit("kdf_gate", results)


if __name__ == "__main__":
    main()

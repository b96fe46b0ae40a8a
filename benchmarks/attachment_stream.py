"""Benchmark: a large attachment through the streaming encryption into the
file store and back, in bounded memory.

    .venv/bin/python -m benchmarks.attachment_stream [--mb 200] [--dir instance]

Measures, in one run on this machine:
- peak memory growth of the process while encrypting and writing, and while
  reading and decrypting (resident set size sampled every few milliseconds
  from /proc, plus the ru_maxrss high-water mark, plus tracemalloc's peak of
  Python allocations in a separate pass);
- throughput of each direction, as a ratio to raw AES-256-GCM over the same
  number of bytes in the same segment size (in memory, no I/O).
Exits with status 1 if the memory growth reaches the 64 MB budget.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.streams import SEGMENT_SIZE, StreamEncryptor, decrypt_stream, new_file_key
from app.storage import FileStore

MB = 1024 * 1024
BUDGET_MB = 64
INPUT_CHUNK = 1 * MB  # what a streaming upload hands over at a time
PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss() -> int:
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * PAGE


def max_rss() -> int:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RssSampler:
    """Highest resident set size seen while the block runs."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, current_rss())
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self.baseline = current_rss()
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss())

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


def timed(run: Callable[[], object]) -> tuple[float, RssSampler]:
    with RssSampler() as sampler:
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
    return elapsed, sampler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="attachment size in MiB")
    parser.add_argument("--dir", type=Path, default=Path("instance"),
                        help="where to put the temporary file store (on disk, not tmpfs)")
    args = parser.parse_args(argv)
    total = args.mb * MB
    block = os.urandom(INPUT_CHUNK)
    key = new_file_key()
    args.dir.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=args.dir) as folder:
        store = FileStore(Path(folder))
        store.ensure()
        file_id = store.new_file_id()

        raw_seconds = raw_aead(total)
        only_seconds = encrypt_only(key, total, block)
        maxrss_before = max_rss()
        enc_seconds, enc_mem = timed(lambda: encrypt_to_store(store, file_id, key, total, block))
        size_on_disk = store.path(file_id).stat().st_size
        dec_seconds, dec_mem = timed(lambda: decrypt_from_store(store, file_id, key, block))
        maxrss_growth = max_rss() - maxrss_before

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

    def mbps(seconds: float) -> float:
        return total / MB / seconds

    raw = mbps(raw_seconds)
    rows = [
        ("raw AES-256-GCM (memory)", mbps(raw_seconds), 1.0, None, None),
        ("stream encrypt (no I/O)", mbps(only_seconds), mbps(only_seconds) / raw, None, None),
        ("encrypt -> file store", mbps(enc_seconds), mbps(enc_seconds) / raw,
         enc_mem.growth, enc_traced),
        ("file store -> decrypt", mbps(dec_seconds), mbps(dec_seconds) / raw,
         dec_mem.growth, dec_traced),
    ]
    print(f"Attachment stream benchmark: {args.mb} MiB, segment {SEGMENT_SIZE // 1024} KiB, "
          f"input chunks {INPUT_CHUNK // MB} MiB, {size_on_disk / MB:.1f} MiB on disk")
    print(f"{'step':<28} {'MiB/s':>8} {'x raw':>7} {'RSS growth':>11} {'py peak':>9}")
    for name, speed, ratio, rss, traced in rows:
        rss_text = f"{rss / MB:8.1f} MiB" if rss is not None else f"{'-':>11}"
        traced_text = f"{traced / MB:6.1f} MiB" if traced is not None else f"{'-':>9}"
        print(f"{name:<28} {speed:8.0f} {ratio:7.2f} {rss_text} {traced_text}")
    print(f"ru_maxrss growth over both directions: {maxrss_growth / MB:.1f} MiB "
          f"(budget {BUDGET_MB} MiB)")
    worst = max(enc_mem.growth, dec_mem.growth, maxrss_growth)
    if worst >= BUDGET_MB * MB:
        print(f"FAIL: memory grew by {worst / MB:.1f} MiB", file=sys.stderr)
        return 1
    print(f"OK: peak memory growth {worst / MB:.1f} MiB < {BUDGET_MB} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

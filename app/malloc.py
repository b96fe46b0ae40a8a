"""Large buffers go back to the operating system when they are freed.

glibc's malloc serves a request of at least M_MMAP_THRESHOLD bytes with a
mapping of its own, unmapped again by free(). By default that threshold is
dynamic: each time such a mapping (up to 32 MiB) is freed, the threshold is
raised to its size and the trim threshold to twice that, so from then on the
same size is carved out of the thread's malloc arena instead - and stays in
the process once freed, since glibc trims only the top of the main arena and
a thread arena's top beyond that raised trim threshold. A gunicorn gthread
worker runs each request in one of its threads, and each thread has an arena
of its own: every thread that once derived a receipt code's key (Argon2id,
19 MiB) or handled a large upload kept that much, for good
(benchmarks/memory_paths.py: 4 threads of mailbox sign-ins left the process
75 MiB larger; with the fixed threshold 7.5 MiB).

`return_large_buffers()` fixes the threshold (which also switches the
dynamic adjustment off and leaves the trim threshold at its default, 128
KiB): every allocation of MMAP_THRESHOLD or more is its own mapping, and a
worker's resident memory is what it holds, not what it once held. The cost
is that such a buffer's pages are faulted in afresh each time (measured:
about 8 ms of CPU on a 19 MiB Argon2id run of 30-40 ms; the 64 MiB staff
password runs were already above glibc's largest dynamic threshold and paid
it anyway).

Only on glibc, and only when the operator has not set the threshold
themselves (MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES glibc.malloc.
mmap_threshold): other C libraries are left as they are.

Smaller blocks still stay in the arena of the thread that freed them, and
glibc gives back only the top of each arena: under a mixed load (the
10-minute locust run) a worker kept growing by what its four threads once
held at the same time, though each path alone is flat. `trim_now_and_then()`
(after each request, app/__init__.py) calls malloc_trim(0) at most every
TRIM_SECONDS per process: it returns the free pages of every arena, not only
the top of the main one (measured: a few milliseconds, once per half a
minute, on one request's teardown - after its response is made).
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading
import time

# mallopt's parameter number for M_MMAP_THRESHOLD (malloc.h).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024

TRIM_SECONDS = 30.0

_done = False
_libc: ctypes.CDLL | None = None
_trim_lock = threading.Lock()
_last_trim = time.monotonic()


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and platform.libc_ver()[0] == "glibc":
        try:
            _libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:
            return None
    return _libc


def _operator_chose() -> bool:
    return "MALLOC_MMAP_THRESHOLD_" in os.environ or \
        "glibc.malloc.mmap_threshold" in os.environ.get("GLIBC_TUNABLES", "")


def return_large_buffers(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes, once per process;
    whether it is set (False: not glibc, or the operator chose one)."""
    global _done
    if _done:
        return True
    libc = _glibc()
    if libc is None or _operator_chose():
        return False
    # mallopt returns 1 on success, 0 on error.
    _done = bool(libc.mallopt(M_MMAP_THRESHOLD, threshold))
    return _done


def trim_now_and_then(every: float = TRIM_SECONDS) -> bool:
    """Give the free pages of every malloc arena back to the system, if the
    last time was `every` seconds ago or more (one thread at a time; the
    others go on). Whether it trimmed now."""
    global _last_trim
    libc = _glibc()
    if libc is None or time.monotonic() - _last_trim < every:
        return False
    if not _trim_lock.acquire(blocking=False):
        return False
    try:
        if time.monotonic() - _last_trim < every:
            return False
        libc.malloc_trim(0)
        _last_trim = time.monotonic()
        return True
    finally:
        _trim_lock.release()

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
"""

from __future__ import annotations

import ctypes
import os
import platform

# mallopt's parameter number for M_MMAP_THRESHOLD (malloc.h).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024

_done = False


def _operator_chose() -> bool:
    return "MALLOC_MMAP_THRESHOLD_" in os.environ or \
        "glibc.malloc.mmap_threshold" in os.environ.get("GLIBC_TUNABLES", "")


def return_large_buffers(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes, once per process;
    whether it is set (False: not glibc, or the operator chose one)."""
    global _done
    if _done:
        return True
    if platform.libc_ver()[0] != "glibc" or _operator_chose():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return False
    # mallopt returns 1 on success, 0 on error.
    _done = bool(libc.mallopt(M_MMAP_THRESHOLD, threshold))
    return _done

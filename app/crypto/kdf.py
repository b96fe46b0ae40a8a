"""Argon2id key derivation for keys protected by a password or a receipt code;
HKDF-SHA256 for keys derived from a random secret.

Argon2id is the costly step of a submission, a mailbox sign-in and a staff
sign-in. A `KdfGate` admits at most a bounded number of runs at a time in a
process, and only as many as its memory budget holds, so the requests that
need no key derivation keep the processor; a run that can not start within
the gate's wait bound is refused with `KeyDerivationBusy` (a 503 page that
keeps what was typed). The web layer puts its process's gate in use for each
request (`use_gate`), staff requests first in line: during a reporting peak
a handler's sign-in waits for a running derivation, not for every reporter's
queued before it. Outside a gate (a CLI command) runs are not limited.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ClassVar

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import DomainError

# RFC 9106 section 4, second recommended option: t=3, m=64 MiB, p=4.
DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_PARALLELISM = 4


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int = DEFAULT_TIME_COST
    memory_kib: int = DEFAULT_MEMORY_KIB
    parallelism: int = DEFAULT_PARALLELISM

    def to_json(self) -> str:
        return json.dumps([self.time_cost, self.memory_kib, self.parallelism])

    @classmethod
    def from_json(cls, text: str) -> Argon2Params:
        time_cost, memory_kib, parallelism = json.loads(text)
        return cls(int(time_cost), int(memory_kib), int(parallelism))


class KeyDerivationBusy(DomainError):
    """Key derivation could not start in time: the server is busy. Nothing
    was stored; the same request may be sent again after `retry_after` s."""

    status = 503
    area = "kdf"
    default_code = "busy"

    def __init__(self, *, retry_after: int = 5) -> None:
        super().__init__(retry_after=retry_after)
        self.retry_after = retry_after


class KdfGate:
    """At most `max_runs` derivations at a time whose memory together stays
    within `memory_budget_kib` (one larger than the whole budget runs alone),
    admitted in arrival order - those admitted `first` before all others,
    in their own arrival order; a run that waits `wait_seconds` is refused."""

    # Seconds a refused client is asked to wait at least (Retry-After).
    MIN_RETRY_AFTER: ClassVar[int] = 5

    def __init__(self, max_runs: int, memory_budget_kib: int, wait_seconds: float) -> None:
        self.max_runs = max(1, max_runs)
        self.memory_budget_kib = max(1, memory_budget_kib)
        self.wait_seconds = wait_seconds
        self._changed = threading.Condition()
        self._queue: deque[object] = deque()
        self._running = 0
        self._memory_kib = 0
        self._first_waiting = 0

    @classmethod
    def from_settings(cls, *, max_runs: int, memory_budget_mib: int,
                      wait_seconds: float) -> KdfGate:
        return cls(max_runs, memory_budget_mib * 1024, wait_seconds)

    def capacity(self, memory_kib: int) -> int:
        """How many runs of this size the gate lets run at the same time."""
        return max(1, min(self.max_runs, self.memory_budget_kib // max(1, memory_kib)))

    @property
    def running(self) -> int:
        with self._changed:
            return self._running

    @property
    def waiting(self) -> int:
        with self._changed:
            return len(self._queue)

    def _fits(self, memory_kib: int) -> bool:
        if self._running == 0:
            return True
        return (self._running < self.max_runs
                and self._memory_kib + memory_kib <= self.memory_budget_kib)

    @contextmanager
    def admit(self, memory_kib: int, *, first: bool = False) -> Iterator[None]:
        ticket = object()
        deadline = time.monotonic() + self.wait_seconds
        with self._changed:
            if first:
                self._queue.insert(self._first_waiting, ticket)
                self._first_waiting += 1
            else:
                self._queue.append(ticket)
            try:
                while not (self._queue[0] is ticket and self._fits(memory_kib)):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise KeyDerivationBusy(retry_after=max(
                            self.MIN_RETRY_AFTER, math.ceil(self.wait_seconds)))
                    self._changed.wait(left)
            finally:
                if first:
                    self._first_waiting -= 1
                self._queue.remove(ticket)
                # The next in line may fit now (or this one gave up its turn).
                self._changed.notify_all()
            self._running += 1
            self._memory_kib += memory_kib
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._memory_kib -= memory_kib
                self._changed.notify_all()


# The gate in use, and whether this context's runs go first in its line.
_gate: ContextVar[tuple[KdfGate, bool] | None] = ContextVar("meldpunt_kdf_gate", default=None)


@contextmanager
def gate_in_use(gate: KdfGate | None, *, first: bool = False) -> Iterator[None]:
    """Key derivations inside this block (this thread, this context) go
    through `gate` (`first`: before the runs of others who wait)."""
    token = _gate.set((gate, first) if gate is not None else None)
    try:
        yield
    finally:
        _gate.reset(token)


def use_gate(gate: KdfGate | None, *, first: bool = False) -> None:
    """Put `gate` in use for the rest of this context (one web request: each
    runs in its own context)."""
    _gate.set((gate, first) if gate is not None else None)


@contextmanager
def admitted(memory_kib: int) -> Iterator[None]:
    """Run an Argon2id derivation of this size through the gate in use."""
    chosen = _gate.get()
    if chosen is None:
        yield
        return
    gate, first = chosen
    with gate.admit(memory_kib, first=first):
        yield


def argon2id(secret: bytes, salt: bytes, params: Argon2Params, length: int = 32) -> bytes:
    with admitted(params.memory_kib):
        return hash_secret_raw(
            secret=secret,
            salt=salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=length,
            type=Type.ID,
        )


def hkdf_sha256(key: bytes, info: bytes, length: int = 32, salt: bytes | None = None) -> bytes:
    """RFC 5869 HKDF with SHA-256: `length` bytes for the purpose `info`."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)

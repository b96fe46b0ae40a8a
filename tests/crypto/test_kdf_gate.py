"""Admission control for key derivation (issue #26): a process runs at most a
bounded number of Argon2id derivations at a time, within a memory budget, so
requests that need none never wait behind them; a derivation that can not
start within the wait bound is refused with a domain error (503)."""

from __future__ import annotations

import threading
import time

import pytest

from app.crypto import kdf
from app.crypto.kdf import Argon2Params, KdfGate, KeyDerivationBusy

SMALL = Argon2Params(time_cost=1, memory_kib=1024, parallelism=1)


def _hold(gate: KdfGate, memory_kib: int, entered: threading.Event,
          release: threading.Event) -> threading.Thread:
    def run() -> None:
        with gate.admit(memory_kib):
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(5)
    return thread


def test_no_more_derivations_run_at_the_same_time_than_the_gate_allows():
    gate = KdfGate(max_runs=2, memory_budget_kib=1 << 20, wait_seconds=10)
    running, peak = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with gate.admit(1024):
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak == 2
    assert gate.running == 0


def test_the_memory_budget_lowers_how_many_run_at_once():
    # Room for 4 runs by count, but 150 MiB holds only two of 64 MiB.
    gate = KdfGate(max_runs=4, memory_budget_kib=150 * 1024, wait_seconds=0.2)
    assert gate.capacity(64 * 1024) == 2
    assert gate.capacity(19 * 1024) == 4
    release = threading.Event()
    holders = [_hold(gate, 64 * 1024, threading.Event(), release) for _ in range(2)]
    with pytest.raises(KeyDerivationBusy):
        with gate.admit(64 * 1024):
            pass
    # A small run still fits in what is left.
    with gate.admit(19 * 1024):
        assert gate.running == 3
    release.set()
    for t in holders:
        t.join(5)


def test_a_run_larger_than_the_budget_still_runs_alone():
    gate = KdfGate(max_runs=2, memory_budget_kib=1024, wait_seconds=0.2)
    with gate.admit(64 * 1024):
        assert gate.running == 1


def test_a_derivation_that_waits_longer_than_the_bound_is_refused_with_a_retry_time():
    gate = KdfGate(max_runs=1, memory_budget_kib=1 << 20, wait_seconds=0.1)
    release = threading.Event()
    holder = _hold(gate, 1024, threading.Event(), release)
    started = time.monotonic()
    with pytest.raises(KeyDerivationBusy) as refused:
        with gate.admit(1024):
            pytest.fail("admitted past the bound")
    waited = time.monotonic() - started
    assert 0.09 <= waited < 2
    assert refused.value.status == 503
    assert refused.value.retry_after >= 1
    release.set()
    holder.join(5)
    # Nothing is left counted after a refusal: the next one gets in at once.
    with gate.admit(1024):
        assert gate.running == 1
    assert gate.waiting == 0


def _admission_order(arrivals: list[tuple[str, bool]]) -> list[str]:
    """In which order runs that arrive one after another (name, first?) while
    the only run slot is taken are admitted once it is free."""
    gate = KdfGate(max_runs=1, memory_budget_kib=1 << 20, wait_seconds=5)
    release = threading.Event()
    holder = _hold(gate, 1024, threading.Event(), release)
    order: list[str] = []

    def wait_in_line(name: str, first: bool) -> None:
        with gate.admit(1024, first=first):
            order.append(name)

    threads = []
    for n, (name, first) in enumerate(arrivals):
        t = threading.Thread(target=wait_in_line, args=(name, first))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while gate.waiting < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    release.set()
    for t in [holder, *threads]:
        t.join(5)
    return order


def test_waiting_runs_are_admitted_in_arrival_order():
    names = [str(n) for n in range(5)]
    assert _admission_order([(name, False) for name in names]) == names


def test_argon2id_goes_through_the_gate_in_use():
    gate = KdfGate(max_runs=1, memory_budget_kib=1 << 20, wait_seconds=0.05)
    release = threading.Event()
    holder = _hold(gate, 1024, threading.Event(), release)
    try:
        # Outside any gate: no admission control (a CLI command, a test).
        assert len(kdf.argon2id(b"secret", b"0123456789abcdef", SMALL)) == 32
        with kdf.gate_in_use(gate), pytest.raises(KeyDerivationBusy):
            kdf.argon2id(b"secret", b"0123456789abcdef", SMALL)
    finally:
        release.set()
        holder.join(5)
    with kdf.gate_in_use(gate):
        assert len(kdf.argon2id(b"secret", b"0123456789abcdef", SMALL)) == 32


def test_a_gate_from_settings_allows_the_configured_runs():
    gate = KdfGate.from_settings(max_runs=3, memory_budget_mib=256, wait_seconds=7.5)
    assert gate.capacity(64 * 1024) == 3
    assert gate.capacity(128 * 1024) == 2
    assert gate.wait_seconds == 7.5


def test_runs_admitted_first_go_before_those_already_waiting():
    """Staff requests' derivations are admitted first (app/web/admission.py):
    a handler signing in during a reporting peak waits for the run in
    progress, not for every reporter's queued before them."""
    arrivals = [("reporter 1", False), ("reporter 2", False), ("staff 1", True),
                ("reporter 3", False), ("staff 2", True)]
    assert _admission_order(arrivals) == ["staff 1", "staff 2", "reporter 1", "reporter 2",
                                          "reporter 3"]


def test_a_staff_request_puts_the_gate_in_use_first_in_line(app):
    """The web layer: a request under /medewerkers runs its derivations
    first in line, a reporter's request in arrival order."""
    seen: dict[str, object] = {}

    @app.route("/medewerkers/__gate_probe")
    @app.route("/melden/__gate_probe")
    def probe() -> str:
        from flask import request

        seen[request.path] = kdf._gate.get()
        return ""

    client = app.test_client()
    client.get("/medewerkers/__gate_probe")
    client.get("/melden/__gate_probe")
    gate = app.extensions["meldpunt.runtime"].kdf_gate
    assert seen == {"/medewerkers/__gate_probe": (gate, True),
                    "/melden/__gate_probe": (gate, False)}

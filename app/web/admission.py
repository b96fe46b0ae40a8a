"""Admission control for key derivation in the web process: every request
runs its Argon2id derivations through the process's gate (app/crypto/kdf.py),
so the requests that need none are never queued behind them; a staff
request's derivations (signing in, unlocking the key) go before the
reporters' waiting ones, so handlers can work while reports pour in."""

from __future__ import annotations

from flask import Flask, current_app, request

from app.crypto.kdf import use_gate

STAFF_AREA = "/medewerkers"


def _use_the_process_gate() -> None:
    rt = current_app.extensions.get("meldpunt.runtime")
    # Each request runs in its own context: the gate is in use for this one.
    use_gate(rt.kdf_gate if rt is not None else None,
             first=request.path.startswith(STAFF_AREA))


def init_app(app: Flask) -> None:
    app.before_request(_use_the_process_gate)

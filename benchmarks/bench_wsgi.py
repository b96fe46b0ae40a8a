"""Benchmark-only WSGI entry point: the real app plus a Server-Timing header.

    gunicorn -c deploy/gunicorn.conf.py benchmarks.bench_wsgi:application

Wraps the Argon2id functions inside the worker (never in production code) so
each response says how long the server spent on the request as a whole and
how much of that was Argon2id:  Server-Timing: app;dur=12.3, argon2;dur=401.2
The time runs until the app calls start_response, i.e. the view and template
are done; a streamed body (downloads) is not included.
"""

from __future__ import annotations

import threading
import time

import argon2._password_hasher as _password_hasher

import app.crypto.kdf as _kdf

_local = threading.local()


def _timed(function):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _local.argon2 = getattr(_local, "argon2", 0.0) + time.perf_counter() - start

    return wrapper


# Key derivation (receipt codes, staff private keys) and the password verifier.
_kdf.hash_secret_raw = _timed(_kdf.hash_secret_raw)
_password_hasher.hash_secret = _timed(_password_hasher.hash_secret)
_password_hasher.verify_secret = _timed(_password_hasher.verify_secret)

from app.wsgi import application as _app  # noqa: E402 - after the wrapping


def application(environ, start_response):  # type: ignore[no-untyped-def]
    _local.argon2 = 0.0
    start = time.perf_counter()

    def timed_start_response(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
        total = (time.perf_counter() - start) * 1000
        argon = _local.argon2 * 1000
        headers = [*headers, ("Server-Timing", f"app;dur={total:.2f}, argon2;dur={argon:.2f}")]
        return start_response(status, headers, exc_info)

    return _app(environ, timed_start_response)

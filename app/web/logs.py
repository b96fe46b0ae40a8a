"""Structured (JSON) application logs.

Only what operators need: time, level, logger and a fixed message with
codes. Never a request's address, path, user agent, case content, identity
or secret — the log calls in this code base pass none, and the werkzeug
access log (client address and URL of every request) is never enabled.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Flask


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            # The type only: a message or traceback may hold user data.
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "unknown"
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logger = logging.getLogger("meldpunt")
    logger.setLevel(logging.INFO)
    if not any(getattr(h, "meldpunt_json", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.meldpunt_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    # Tests capture records through the root logger; elsewhere one line each.
    logger.propagate = app.testing

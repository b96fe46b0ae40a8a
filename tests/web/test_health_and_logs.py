"""Health endpoint without details; JSON application logs without personal data."""

from __future__ import annotations

import json
import logging

from sqlalchemy.exc import OperationalError

from app.web.logs import JsonFormatter


def test_health_says_ok_and_nothing_more(client):
    response = client.get("/gezondheid")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_health_says_unavailable_without_details_when_the_database_is_down(app, client,
                                                                          monkeypatch):
    from app.web import health

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused to 10.0.0.5"))

    monkeypatch.setattr(health.db.session.__class__, "execute", broken)
    response = client.get("/gezondheid")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "unavailable\n"


def test_log_lines_are_json_with_only_time_level_logger_and_message():
    record = logging.LogRecord("meldpunt.errors", logging.ERROR, __file__, 1,
                               "unhandled %s", ("ValueError",), None)
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message"}
    assert line["message"] == "unhandled ValueError" and line["level"] == "error"


def test_an_exception_is_logged_by_type_only():
    try:
        raise ValueError("reporter said: my manager Jan de Vries")
    except ValueError:
        import sys

        record = logging.LogRecord("meldpunt.errors", logging.ERROR, __file__, 1, "unhandled",
                                   (), sys.exc_info())
    text = JsonFormatter().format(record)
    assert "Jan de Vries" not in text and json.loads(text)["error"] == "ValueError"

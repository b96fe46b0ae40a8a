"""Database outage: while the database is gone every page answers with the
friendly Dutch 503 page (no stack trace), nothing is half-written, and the
service recovers by itself when the database is back.

SQLite: the database file is replaced by something that can not be opened
(and, separately, every statement fails with OperationalError).
PostgreSQL: the shared server is never stopped; the app talks to it through
a small TCP relay that this test stops and starts again. An app pointed at a
port where nothing listens gets the 503 page too (this part needs no server).
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from app import create_app
from app.models import Case
from tests.conftest import ON_POSTGRES, IsolatedClient, csrf_from, send_token_from, sign_in
from tests.reporting.conftest import receipt_code, report_fields, review, send

DUTCH_503 = "Tijdelijk niet beschikbaar"


def browser(app):  # type: ignore[no-untyped-def]
    return IsolatedClient(app, app.response_class, use_cookies=True)


def _assert_friendly_503(response) -> None:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, body[:300])
    assert "Traceback" not in body and "OperationalError" not in body and "sqlite" not in body
    assert 'File "/' not in body


def _outage_checks(app, staff_client, units, reporter) -> None:  # type: ignore[no-untyped-def]
    """Every kind of page, during the outage: the friendly 503."""
    for path in ("/melden", "/medewerkers/", "/medewerkers/zaken/"):
        response = (staff_client if path.startswith("/medewerkers") else reporter).get(path)
        _assert_friendly_503(response)
        assert DUTCH_503 in response.get_data(as_text=True)
    health = reporter.get("/gezondheid")
    assert health.status_code == 503


def _during_outage_a_report_is_not_half_written(reporter, form_html, fields) -> None:  # type: ignore[no-untyped-def]
    response = reporter.post("/melden", data={"csrf_token": csrf_from(form_html), "step": "send",
                                              "send_token": send_token_from(form_html),
                                              **fields})
    _assert_friendly_503(response)


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite file outage")
def test_sqlite_file_gone_gives_503_and_recovers(app, client, session, units, make_staff,
                                                 settings):
    intake = make_staff("intake")
    staff = browser(app)
    sign_in(staff, intake)
    form_html = review(client, report_fields(units)).get_data(as_text=True)
    engine = app.extensions["meldpunt.engine"]
    db_file = Path(settings.database_url.removeprefix("sqlite:///"))
    moved = db_file.with_suffix(".away")
    session.close()
    engine.dispose()
    os.replace(db_file, moved)
    db_file.mkdir()  # a directory where the database was: "unable to open database file"
    try:
        engine.dispose()
        _outage_checks(app, staff, units, client)
        _during_outage_a_report_is_not_half_written(client, form_html, report_fields(units))
    finally:
        db_file.rmdir()
        os.replace(moved, db_file)
    # Back, without a restart.
    assert client.get("/melden").status_code == 200
    assert staff.get("/medewerkers/").status_code == 200  # the staff session survived
    assert client.get("/gezondheid").status_code == 200
    assert session.scalar(select(func.count()).select_from(Case)) == 0  # nothing half-written
    assert send(client, report_fields(units)).status_code == 200


def test_every_statement_failing_gives_503_and_recovers(app, client, session, units,
                                                        make_staff):
    intake = make_staff("intake")
    staff = browser(app)
    sign_in(staff, intake)
    form_html = review(client, report_fields(units)).get_data(as_text=True)
    engine = app.extensions["meldpunt.engine"]
    cases_before = session.scalar(select(func.count()).select_from(Case))
    session.close()

    def fail(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        _outage_checks(app, staff, units, client)
        _during_outage_a_report_is_not_half_written(client, form_html, report_fields(units))
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert client.get("/melden").status_code == 200
    assert staff.get("/medewerkers/").status_code == 200
    assert session.scalar(select(func.count()).select_from(Case)) == cases_before
    response = send(client, report_fields(units))
    assert response.status_code == 200 and receipt_code(response)


def test_an_app_pointed_at_a_dead_postgresql_port_gives_503(settings):
    dead = settings.with_changes(
        database_url="postgresql+psycopg://meldpunt@127.0.0.1:1/meldpunt?connect_timeout=2")
    app = create_app(dead)
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    try:
        for path in ("/melden", "/postbus", "/medewerkers/inloggen"):
            response = client.get(path)
            if response.status_code == 200:
                continue  # a page that needs no database
            _assert_friendly_503(response)
            assert DUTCH_503 in response.get_data(as_text=True)
        _assert_friendly_503(client.get("/melden"))
        assert client.get("/gezondheid").status_code == 503
    finally:
        app.extensions["meldpunt.engine"].dispose()


class Relay:
    """A TCP relay on a fixed local port to the real PostgreSQL server;
    stop() cuts every connection and closes the port, start() opens it again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._server is not None:
            try:  # wakes the thread blocked in accept(); close() alone would not
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        for s in self._sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self._sockets.clear()


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
def test_postgresql_outage_gives_503_and_recovers_by_itself(settings, units, make_staff,
                                                           session):
    from sqlalchemy.engine import make_url

    real = make_url(settings.database_url)
    relay = Relay((real.host or "127.0.0.1", real.port or 5432))
    relay.start()
    via_relay = real.set(host="127.0.0.1", port=relay.port).render_as_string(
        hide_password=False)
    app = create_app(settings.with_changes(database_url=via_relay))
    try:
        intake = make_staff("intake")
        staff = browser(app)
        reporter = browser(app)
        sign_in(staff, intake)
        assert reporter.get("/melden").status_code == 200
        form_html = review(reporter, report_fields(units)).get_data(as_text=True)
        cases_before = session.scalar(select(func.count()).select_from(Case))
        session.commit()
        relay.stop()
        _outage_checks(app, staff, units, reporter)
        _during_outage_a_report_is_not_half_written(reporter, form_html, report_fields(units))
        relay.start()
        # pool_pre_ping replaces the dead pooled connections: no restart needed.
        assert reporter.get("/melden").status_code == 200
        assert staff.get("/medewerkers/").status_code == 200
        assert reporter.get("/gezondheid").status_code == 200
        assert session.scalar(select(func.count()).select_from(Case)) == cases_before
    finally:
        relay.stop()
        app.extensions["meldpunt.engine"].dispose()

"""Flask extensions and the database handle, created once, bound per app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from app.crypto.ratchet import KEYS_DIR_INFO

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


class Database:
    """An engine per app and a session per app context.

    Domain functions take a `Session` argument; routes get theirs from
    `db.session`, which is closed when the app context ends.
    """

    def init_app(self, app: Flask, url: str, keys_dir: Path | None = None) -> None:
        engine = make_engine(url)
        if keys_dir is not None:
            # The engine knows the instance's keys/, so a row's erasure-
            # ratchet seal opens in any session on it (app/cases/seals.py).
            engine.update_execution_options(**{KEYS_DIR_INFO: str(keys_dir)})
        app.extensions["meldpunt.engine"] = engine
        app.extensions["meldpunt.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
        app.teardown_appcontext(self._close)

    @property
    def engine(self) -> Engine:
        engine: Engine = current_app.extensions["meldpunt.engine"]
        return engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = current_app.extensions["meldpunt.sessionmaker"]()
        session: Session = g.db_session
        return session

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection,
                            _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Freed pages are zeroed so deleted ciphertext does not linger in the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    # pre_ping: the app recovers by itself after a database restart.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


db = Database()

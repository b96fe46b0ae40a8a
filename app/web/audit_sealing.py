"""Sealing the audit entries a request wrote, after its response is sent.

Appending takes no lock (app/audit/log.py); the entries a request wrote are
linked into the hash chain once its response has gone out, by whichever
process gets the sealer's lock first — one that finds another sealer at work
does not wait (that one, or the next, seals these entries)."""

from __future__ import annotations

import logging

from flask import Flask, Response, g

from app.audit.events import seal_audit_log
from app.audit.log import APPENDED, ChainBroken
from app.transactions import abandon
from app.web.extensions import db
from app.web.security import runtime

log = logging.getLogger("meldpunt.audit")


def _seal(app: Flask) -> None:
    with app.app_context():
        try:
            seal_audit_log(db.session, runtime(), wait=False)
        except ChainBroken as exc:
            # Evidence: nothing is sealed past it; `meldpunt audit verify` names it.
            log.error("audit log not sealed: %s", exc.result.reason)
        except Exception as exc:  # noqa: BLE001 - the next request or cron seals
            abandon(db.session)
            log.warning("audit log not sealed now: %s", type(exc).__name__)


def init_app(app: Flask) -> None:
    @app.after_request
    def _seal_after_the_response(response: Response) -> Response:
        session = g.get("db_session")
        if session is not None and session.info.pop(APPENDED, False) \
                and "meldpunt.runtime" in app.extensions:
            response.call_on_close(lambda: _seal(app))
        return response

"""Health check for the proxy and monitoring: "ok" or "unavailable", no details."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.transactions import abandon
from app.web.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.route("/gezondheid")
def health() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        abandon(db.session)
        return Response("unavailable\n", status=503, content_type="text/plain")
    return Response("ok\n", content_type="text/plain")

"""Language: Dutch by default, English on request (switch or browser)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from werkzeug.wrappers import Response

from app.web.redirects import safe_local_path

LANGUAGES = ("nl", "en")

blueprint = Blueprint("i18n", __name__)


def select_locale() -> str:
    default: str = current_app.extensions["meldpunt.settings"].default_locale
    if not has_request_context():  # CLI, jobs: the organisation's default
        return default
    chosen: str | None = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=default) or default


@blueprint.route("/taal/<lang>", methods=["POST"])
@blueprint.route("/medewerkers/taal/<lang>", methods=["POST"], endpoint="switch_language_staff")
def switch_language(lang: str) -> Response:
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_local_path(request.form.get("next"), url_for("pages.start")))


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"current_language": str(get_locale() or "nl"), "languages": LANGUAGES}

